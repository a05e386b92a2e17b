# Regression tests for issue 8 (harden): each failed on main before its fix.

# B8: the front end speaks "fleetplan: error:" with a suggestion.
fleetplan_cli_test(no_command EXIT 2 EXPECT "fleetplan: error: a command is required: one of catalog")
fleetplan_cli_test(unknown_command EXIT 2
  EXPECT "fleetplan: error: `fleetplan` has no command 'simulat' (did you mean simulate?)"
  ARGS simulat)
fleetplan_cli_test(unknown_nested_command EXIT 2
  EXPECT "`fleetplan scenarios` has no command 'chek' (did you mean check?)" ARGS scenarios chek x)
fleetplan_cli_test(unknown_option_before_missing_required EXIT 2
  EXPECT "fleetplan: error: `fleetplan estimate` has no option --modle; did you mean --model?"
  ARGS estimate --modle llama3.1-8b)
fleetplan_cli_test(flag_error_has_prefix_and_help EXIT 2
  EXPECT "fleetplan: error: --accelerator is required (`fleetplan estimate --help`"
  ARGS estimate --model llama3.1-8b)
fleetplan_cli_test(accelerator_prefix_suggests_the_full_name EXIT 2
  EXPECT "unknown accelerator 'H100'; closest known: H100-"
  NOT "H800"
  ARGS estimate --model llama3.1-8b --accelerator H100)
fleetplan_cli_test(help_still_exits_0 EXIT 0 EXPECT "--weights" ARGS estimate --help)

# 18: one vocabulary: estimate takes --weights/--kv-cache as simulate does.
fleetplan_cli_test(estimate_weights_and_kv_cache EXIT 0
  EXPECT "weights bf16 / KV fp8"
  ARGS estimate --model llama3.1-8b --accelerator H100-SXM --weights bf16 --kv-cache fp8)
fleetplan_cli_test(estimate_old_precision_flag_points_to_the_new EXIT 2
  EXPECT "fleetplan: error: --precision was renamed --weights"
  ARGS estimate --model llama3.1-8b --accelerator H100-SXM --precision fp8)
fleetplan_cli_test(simulate_old_token_budget_flag_points_to_the_new EXIT 2
  EXPECT "fleetplan: error: --token-budget was renamed --max-num-tokens"
  ARGS simulate --model llama3.1-8b --accelerator H100-SXM --token-budget 8192 --requests 10)
fleetplan_cli_test(simulate_max_num_tokens_flag EXIT 0
  EXPECT "max batch 64, max num tokens 128"
  ARGS simulate --model llama3.1-8b --accelerator H100-SXM --max-batch 64 --max-num-tokens 128
       --requests 10)

# A2: NaN, inf and signs are refused, naming the flag.
fleetplan_cli_test(estimate_ttft_nan EXIT 2 EXPECT "--ttft-ms: 'nan' is not a finite number"
  ARGS estimate --model llama3.1-8b --accelerator H100-SXM --ttft-ms nan)
fleetplan_cli_test(plan_gap_nan EXIT 2 EXPECT "--gap: 'nan' is not a finite number"
  NOT "relative_gap" ARGS plan --gap nan)
fleetplan_cli_test(simulate_negative_seed EXIT 2
  EXPECT "--seed: '-1' is not a whole number from 0 to 18446744073709551615"
  ARGS simulate --model llama3.1-8b --accelerator H100-SXM --seed -1 --requests 10)
fleetplan_cli_test(simulate_rate_inf EXIT 2 EXPECT "--rate: 'inf' is not a finite number"
  ARGS simulate --model llama3.1-8b --accelerator H100-SXM --rate inf --requests 10)

# B8: an unwritable output fails before any work (the plan took a minute, then failed).
fleetplan_cli_test(plan_html_missing_folder EXIT 2
  EXPECT "fleetplan: error: --html: cannot write '/nonexistent/x.html': folder '/nonexistent' does not exist"
  NOT "Fleet" ARGS plan --html /nonexistent/x.html)
fleetplan_cli_test(plan_html_directory EXIT 2 EXPECT "--html: '@TMP@' is a directory"
  ARGS plan --html @TMP@)
fleetplan_cli_test(simulate_timeseries_unwritable EXIT 2
  EXPECT "--timeseries: cannot write '/nonexistent/q.csv'"
  ARGS simulate --model llama3.1-8b --accelerator H100-SXM --requests 10
       --timeseries /nonexistent/q.csv)

# B7: /dev/zero as a catalog or a measurements file is refused, not read forever.
fleetplan_cli_test(catalog_dev_zero EXIT 2 EXPECT "/dev/zero: is not a regular file"
  ARGS catalog --catalog /dev/zero)
fleetplan_cli_test(calibrate_dev_zero EXIT 2 EXPECT "/dev/zero: is not a regular file"
  ARGS calibrate --measurements /dev/zero)

# B6/A5: huge counts are bounded at the flag, with the bound.
fleetplan_cli_test(estimate_count_bound EXIT 2 EXPECT "--count: Value 2147483647 not in range 1 to 1048576"
  ARGS estimate --model llama3.1-8b --accelerator H100-SXM --count 2147483647)

# B6: a byte that is not UTF-8 in a scenario's name aborted `plan --json` (exit 134).
fleetplan_cli_test(plan_json_non_utf8_name EXIT 2
  EXPECT "latin1-name.yaml:8:25: byte 0xE9 is not UTF-8; expected UTF-8 text"
  ARGS plan @SRC@/tests/cli/data/latin1-name.yaml --json --no-rule-costs)
fleetplan_cli_test(scenarios_check_non_utf8_name EXIT 2 EXPECT "byte 0xE9 is not UTF-8"
  ARGS scenarios check @SRC@/tests/cli/data/latin1-name.yaml)

# A3: a missing file or a directory given as a scenario was "unknown scenario".
fleetplan_cli_test(plan_missing_scenario_file EXIT 2
  EXPECT "fleetplan: error: /nonexistent/s.yaml: no such file" NOT "unknown scenario"
  ARGS plan /nonexistent/s.yaml)
fleetplan_cli_test(plan_directory_as_scenario EXIT 2 EXPECT "@TMP@: is a directory; expected a file"
  ARGS plan @TMP@)
fleetplan_cli_test(scenarios_check_dev_zero EXIT 2 EXPECT "/dev/zero: is not a regular file"
  ARGS scenarios check /dev/zero)
fleetplan_cli_test(plan_unknown_builtin_still_lists_them EXIT 2
  EXPECT "unknown scenario 'bytedance-2027'; built-in scenarios: bytedance-2025-ft"
  ARGS plan bytedance-2027)
