# Shared by scripts/demo and scripts/test: install what is missing, then build.
# shellcheck shell=bash

FLEETPLAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  coinor-libcbc-dev libsqlite3-dev libcpp-httplib-dev libtbb-dev libopenmpi-dev openmpi-bin
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)

# Installs the Debian packages the build needs that this machine lacks.
fleetplan_install_packages() {
  local missing=()
  for pkg in "${FLEETPLAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$pkg")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "fleetplan: installing ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Configures and builds into $1 (build type $2) with warnings as errors; further arguments
# go to cmake. The compiler is $CXX when set (cmake's default otherwise).
fleetplan_build() {
  local dir=$1 type=$2
  shift 2
  cmake -S "$FLEETPLAN_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
    -DFLEETPLAN_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

# The sanitizer build (clang, AddressSanitizer + UndefinedBehaviorSanitizer, every report
# fatal) with the libFuzzer targets, into $1. -O1 keeps the build and the suite quick;
# line tables give reports their file:line.
fleetplan_build_sanitized() {
  CXX=clang++ fleetplan_build "$1" RelWithDebInfo -DFLEETPLAN_FUZZ=ON -DFLEETPLAN_BUILD_BENCH=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only"
}

