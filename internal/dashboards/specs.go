package dashboards

// sel is the selector of one chiso's series on the service dashboard.
const sel = `job="$job", instance=~"$instance"`

// areaNames joins an area's name to a vector by its area label.
const areaNames = ` * on(area) group_left(name) max by (area, name) (chiso_area_info)`

// dataQuality is the dashboard of the figures: what is wrong, where, and
// how far each province is from its targets.
func dataQuality() dashSpec {
	ind := `indicator="$indicator", area=~"$province"`
	return dashSpec{
		file: "chiso-data-quality.json", uid: "chiso-data-quality", title: "chiso — data quality",
		desc: "Findings of chiso's checks over time, per province and per indicator family, and each province's figures against its targets.",
		tags: []string{"chiso"},
		vars: []varSpec{
			{name: "indicator", label: "Indicator", metric: "chiso_indicator_value", labelName: "indicator"},
			{name: "province", label: "Province", metric: `chiso_area_info{level="province"}`, labelName: "area", multi: true},
		},
		panels: []panelSpec{
			{row: "Findings", kind: statPanel, title: "Current findings by severity", width: 6,
				desc:    "Findings of every rule now, failures and indeterminate ones; 0 when nothing is wrong.",
				queries: []query{{`sum by (severity) (chiso_rule_findings)`, "{{severity}}"}}},
			{kind: timeSeries, title: "Findings by severity", width: 9,
				queries: []query{{`sum by (severity) (chiso_rule_findings)`, "{{severity}}"}}},
			{kind: timeSeries, title: "Findings by diagnosis", width: 9,
				desc:    "What is wrong: out_of_range, below_target, off_track, implausible_change, unit_slip, definition_change, inconsistent, decrease, missing, outlier.",
				queries: []query{{`sum by (diagnosis) (chiso_findings_by_area)`, "{{diagnosis}}"}}},
			{kind: timeSeries, title: "Findings per province", width: 12,
				desc:    "A district's or commune's findings count under its province.",
				queries: []query{{`sum by (area) (chiso_findings_by_area{area=~"$province"})` + areaNames, "{{name}} ({{area}})"}}},
			{kind: timeSeries, title: "Findings per indicator family", width: 12,
				desc: "Indicator families are their kinds: percent, count, money, rank, ratio.",
				queries: []query{{`sum by (kind) (chiso_findings_by_indicator * on(indicator) group_left(kind) max by (indicator, kind) (chiso_indicator_info))`,
					"{{kind}}"}}},
			{kind: tablePanel, title: "Findings per indicator", width: 12,
				queries: []query{{`sum by (indicator, diagnosis, severity) (chiso_findings_by_indicator) * on(indicator) group_left(name_en, name_vi, unit) max by (indicator, name_en, name_vi, unit) (chiso_indicator_info)`, ""}}},
			{kind: tablePanel, title: "Reports missing", width: 12,
				desc:    "Findings of freshness rules: a province whose latest figure is older than the publication calendar allows.",
				queries: []query{{`sum by (area) (chiso_findings_by_area{diagnosis="missing", area=~"$province"})` + areaNames, ""}}},
			{row: "Values and targets: $indicator", kind: timeSeries, title: "$indicator per province", width: 12,
				desc:    "The latest reported value, in the indicator's unit.",
				queries: []query{{`chiso_indicator_value{` + ind + `}` + areaNames, "{{name}} ({{area}})"}}},
			{kind: timeSeries, title: "$indicator: value against target", width: 12,
				queries: []query{
					{`chiso_indicator_value{` + ind + `}`, "{{area}} value"},
					{`chiso_indicator_target{` + ind + `}`, "{{area}} target {{op}} by {{deadline}}"},
				}},
			{kind: tablePanel, title: "$indicator: share of each target reached", width: 12, unit: "percent",
				desc:    "100 × value ÷ target, per province and deadline; over 100 means reached for a ≥ target.",
				queries: []query{{`100 * (chiso_indicator_value{` + ind + `} / on(indicator, area) group_right chiso_indicator_target{` + ind + `})`, ""}}},
			{kind: tablePanel, title: "$indicator: age of the latest figure", width: 12, unit: "d",
				desc:    "Days since the end of the period of the latest figure.",
				queries: []query{{`(time() - chiso_indicator_period_end_timestamp_seconds{` + ind + `}) / 86400`, ""}}},
			{row: "All targets", kind: tablePanel, title: "Share of each target reached, every indicator", width: 24, unit: "percent",
				queries: []query{{`100 * (chiso_indicator_value{area=~"$province"} / on(indicator, area) group_right chiso_indicator_target{area=~"$province"})`, ""}}},
		},
	}
}

// service is the dashboard of chiso itself: is it up, evaluating on
// schedule, reloading, importing, delivering and answering.
func service() dashSpec {
	return dashSpec{
		file: "chiso-service.json", uid: "chiso-service", title: "chiso — service",
		desc: "chiso as a service: up, build, evaluation against each group's schedule, reloads, imports, notifications, HTTP, Go and process.",
		tags: []string{"chiso"},
		vars: []varSpec{
			{name: "job", label: "Job", metric: "chiso_build_info", labelName: "job"},
			{name: "instance", label: "Instance", metric: `chiso_build_info{job="$job"}`, labelName: "instance", multi: true},
		},
		panels: []panelSpec{
			{row: "Overview", kind: statPanel, title: "Up", width: 4,
				queries: []query{{`up{` + sel + `}`, "{{instance}}"}}},
			{kind: tablePanel, title: "Build", width: 8,
				queries: []query{{`chiso_build_info{` + sel + `}`, ""}}},
			{kind: statPanel, title: "Last reload successful", width: 4,
				queries: []query{{`chiso_config_last_reload_successful{` + sel + `}`, "{{instance}}"}}},
			{kind: statPanel, title: "Reloads in the last day", width: 4,
				queries: []query{{`sum by (outcome) (increase(chiso_config_reloads_total{` + sel + `}[1d]))`, "{{outcome}}"}}},
			{kind: statPanel, title: "Rules by health", width: 4,
				queries: []query{{`sum by (health) (chiso_rule_health{` + sel + `})`, "{{health}}"}}},
			{row: "Evaluation", kind: timeSeries, title: "Evaluation duration per group", unit: "s",
				queries: []query{{`chiso_rule_group_last_duration_seconds{` + sel + `}`, "{{group}}"}}},
			{kind: timeSeries, title: "Staleness per group against its schedule", unit: "percentunit",
				desc: "Time since the group's last evaluation as a share of the longest gap of its own schedule: above 100% a scheduled run is overdue (the ChisoRuleGroupStale alert fires 15 minutes past it).",
				queries: []query{{`(time() - chiso_rule_group_last_evaluation_timestamp_seconds{` + sel + `}) / chiso_rule_group_interval_seconds{` + sel + `}`,
					"{{group}}"}}},
			{kind: timeSeries, title: "Time to the next scheduled evaluation", unit: "s",
				queries: []query{{`chiso_rule_group_next_evaluation_timestamp_seconds{` + sel + `} - time()`, "{{group}}"}}},
			{kind: timeSeries, title: "Scheduled runs and skipped ticks", unit: "ops",
				queries: []query{
					{`sum by (group) (rate(chiso_rule_group_iterations_total{` + sel + `}[$__rate_interval]))`, "{{group}} runs"},
					{`sum by (group) (rate(chiso_rule_group_iterations_missed_total{` + sel + `}[$__rate_interval]))`, "{{group}} skipped"},
				}},
			{kind: timeSeries, title: "Rule evaluation failures",
				queries: []query{{`sum by (group, rule) (increase(chiso_rule_evaluation_failures_total{` + sel + `}[1h]))`, "{{group}}/{{rule}}"}}},
			{kind: timeSeries, title: "Alerts by state",
				queries: []query{{`sum by (state) (chiso_alerts{` + sel + `})`, "{{state}}"}}},
			{row: "Imports", kind: timeSeries, title: "Imports by channel and outcome",
				queries: []query{{`sum by (channel, outcome) (increase(chiso_imports_total{` + sel + `}[1h]))`, "{{channel}} {{outcome}}"}}},
			{kind: timeSeries, title: "Time since the last import", unit: "s",
				queries: []query{{`time() - chiso_import_last_success_timestamp_seconds{` + sel + `}`, "{{instance}}"}}},
			{kind: timeSeries, title: "Observations stored",
				queries: []query{
					{`chiso_observations{` + sel + `}`, "current"},
					{`chiso_observation_revisions{` + sel + `}`, "revisions"},
				}},
			{row: "Notifications", kind: timeSeries, title: "Notification outcomes",
				queries: []query{{`sum by (receiver, integration, outcome) (increase(chiso_notifications_total{` + sel + `}[1h]))`,
					"{{receiver}} {{integration}} {{outcome}}"}}},
			{kind: timeSeries, title: "Notification queue length",
				queries: []query{{`chiso_notification_queue_length{` + sel + `}`, "{{instance}}"}}},
			{kind: timeSeries, title: "Delivery latency (90th percentile)", unit: "s",
				queries: []query{{`histogram_quantile(0.9, sum by (le, integration) (rate(chiso_notification_latency_seconds_bucket{` + sel + `}[$__rate_interval])))`,
					"{{integration}}"}}},
			{kind: timeSeries, title: "Time since the last delivery", unit: "s",
				queries: []query{{`time() - chiso_notification_last_success_timestamp_seconds{` + sel + `}`, "{{receiver}} {{integration}}"}}},
			{row: "Several daemons", kind: timeSeries, title: "Leader", width: 12,
				desc:    "1 on the daemon that leads (runs the schedules and delivers), 0 on a follower; a lone daemon always leads. ChisoNoLeader and ChisoSeveralLeaders fire when the sum stays 0 or above 1 for a minute.",
				queries: []query{{`chiso_leader{` + sel + `}`, "{{instance}}"}}},
			{kind: timeSeries, title: "Engine behind the database", unit: "s", width: 12,
				desc:    "How long each daemon's engine has been behind the newest import in the database (0 when caught up); /-/ready answers 503 past 30 s and ChisoEngineBehind fires past a minute for 5 minutes.",
				queries: []query{{`chiso_engine_lag_seconds{` + sel + `}`, "{{instance}}"}}},
			{row: "HTTP", kind: timeSeries, title: "Requests by handler and code", unit: "reqps", width: 12,
				queries: []query{{`sum by (handler, code) (rate(chiso_http_requests_total{` + sel + `}[$__rate_interval]))`, "{{handler}} {{code}}"}}},
			{kind: timeSeries, title: "Request latency (90th percentile)", unit: "s", width: 12,
				queries: []query{{`histogram_quantile(0.9, sum by (le, handler) (rate(chiso_http_request_duration_seconds_bucket{` + sel + `}[$__rate_interval])))`,
					"{{handler}}"}}},
			{row: "Go and process", kind: timeSeries, title: "Memory", unit: "bytes", width: 6,
				queries: []query{
					{`process_resident_memory_bytes{` + sel + `}`, "resident"},
					{`go_memstats_heap_inuse_bytes{` + sel + `}`, "heap in use"},
				}},
			{kind: timeSeries, title: "CPU", unit: "percentunit", width: 6,
				queries: []query{{`rate(process_cpu_seconds_total{` + sel + `}[$__rate_interval])`, "{{instance}}"}}},
			{kind: timeSeries, title: "Goroutines", width: 6,
				queries: []query{{`go_goroutines{` + sel + `}`, "{{instance}}"}}},
			{kind: timeSeries, title: "Open file descriptors", width: 6,
				queries: []query{{`process_open_fds{` + sel + `}`, "{{instance}}"}}},
		},
	}
}
