// Package rules reads and validates chiso's rule files: YAML groups of rules,
// each running a check kind on a cron schedule.
//
// A rule file looks like a Prometheus rule file:
//
//	groups:
//	  - name: coverage                 # required, unique across all files
//	    schedule: "0 7 * * *"          # required: cron (robfig syntax) or @daily, @hourly, @every 6h …
//	    labels: {team: infrastructure} # added to every rule's labels
//	    limit: 1000                    # the most findings each rule may have; 0 (default): no limit
//	    rules:
//	      - alert: MobileCoverageBelowTarget   # required, unique in the group: letters, digits, _
//	        check: target                      # required: a check kind (checks.Kinds)
//	        indicator: village_mobile_broadband_coverage   # or indicators: [a, b], or indicators_matching: {kind: count}; one of the three
//	        areas: {level: province}           # codes: [PT, VP], level, parent; empty selects all
//	        severity: warning                  # info, warning (default) or critical
//	        for: 0s                            # durations: 90s, 30m, 1h30m, 7d, 2w, 1y
//	        keep_firing_for: 1d
//	        alert_indeterminate: false         # alert on indeterminate findings too
//	        labels: {owner: data-team}         # not alertname, severity, area, indicator or period
//	        annotations:                       # Go text/template over TemplateData
//	          summary: "{{ .Area.Name }}: {{ .Value }} < {{ .Expected }} ({{ .Period }})"
//	        on_track: true                     # any other key belongs to the check kind
//
// Schedules run in the configured time zone, so TZ= and CRON_TZ= prefixes
// are refused. Every other key of a rule is decoded strictly into the check
// kind's parameters (Kind.NewParams), then checked by the kind's Validate.
//
// Loading reports every problem of every file at once, as an ErrorList of
// `file:line:column: group "g" rule "r": message`; a load with any problem
// returns no groups, so a running daemon keeps its old rules.
package rules
