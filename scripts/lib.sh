# Shared by scripts/demo and scripts/test: install what is missing, then build.
# shellcheck shell=bash

FLEETPLAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  coinor-libcbc-dev libsqlite3-dev libcpp-httplib-dev libpqxx-dev postgresql libtbb-dev
  libopenmpi-dev openmpi-bin
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  chromium
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
  fleetplan_apt "$sudo" "${missing[@]}"
}

# Runs apt-get update and install of the packages $2... ($1: "sudo" or ""), quietly: apt's
# and dpkg's output goes to a log that is shown only when the install fails.
fleetplan_apt() {
  local sudo=$1 log
  shift
  log=$(mktemp)
  if ! { $sudo apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"; } \
    >"$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    echo "fleetplan: apt-get could not install $*" >&2
    return 1
  fi
  rm -f "$log"
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

# Node.js and npm for the dashboard (web/): Debian's packages when this machine has no npm.
fleetplan_install_node() {
  command -v npm >/dev/null 2>&1 && return 0
  echo "fleetplan: installing nodejs npm"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  fleetplan_apt "$sudo" nodejs npm
}

# Builds the dashboard into web/dist from the lockfile (npm ci; nothing is fetched at run
# time: the page's scripts, styles and fonts are bundled).
fleetplan_build_web() {
  fleetplan_install_node
  (
    cd "$FLEETPLAN_ROOT/web" || exit 1
    npm ci --no-audit --no-fund --loglevel=error
    npm run --silent build >/dev/null
  )
  echo "fleetplan: dashboard built in web/dist"
}
