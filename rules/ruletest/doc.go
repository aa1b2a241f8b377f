// Package ruletest runs rule unit tests, in the spirit of `promtool test
// rules`: given rule files, a catalogue and a few observations, the rules
// evaluated at a fixed time must return exactly the expected findings.
//
// A test file is YAML:
//
//	rule_files: [../coverage.yaml]      # relative to the test file; globs allowed
//	catalogue: sample                    # the built-in sample catalogue (the default and, for now, the only one)
//	lang: en                             # language of messages: vi (default) or en
//	time_zone: Asia/Ho_Chi_Minh          # calendars' time zone (the default)
//	evaluation_time: 2026-11-23T07:00:00+07:00   # default for every test
//	tests:
//	  - name: revenue jump
//	    evaluation_time: 2026-11-23T07:00:00+07:00   # RFC 3339, overrides the default
//	    rules: [RevenueJump]             # optional: compare only these rules' findings
//	    input_observations:
//	      - series: ict_revenue{area="VP"}
//	        values: "2015=3560 2022=183001 2023-H1=96875"
//	    expected_findings:
//	      - rule: RevenueJump             # required
//	        diagnosis: implausible_change # required
//	        area: VP
//	        indicator: ict_revenue
//	        period: "2022"                # empty or absent: a finding without a period
//	        status: fail                  # fail (default) or indeterminate
//	        severity: warning             # default: the rule's severity
//	        message: "×51"                # optional: a substring of the message
//
// A file without tests: may put input_observations and expected_findings at
// the top level; they form one test.
//
// # Series
//
// series names an indicator and, in braces, its area and optionally the
// method tag and source: ict_revenue{area="VP"},
// digital_economy_share{area="PT", method="gso", source="report.pdf"}.
//
// # Values
//
// values is a space-separated list of PERIOD=FIGURE. PERIOD is 2024,
// 2024-H1, 2024-Q3 or 2024-08. FIGURE is a number (Go syntax: 183001,
// 81.7, 1e6), optionally preceded by a qualifier:
//
//	>98       over: the true value is above 98 (trên, hơn)
//	<1900     nearly: the true value is just below 1900 (gần)
//	~1900     about: near 1900, either side (khoảng)
//	est:95    estimate (ước, ước tính)
//	pre:95    preliminary (sơ bộ)
//	der:95    derived by computation from other figures
//
// A period given twice is a revision: "2024=est:95 2024=96" stores the
// estimate, then the final figure as revision 2, which is current.
//
// # Comparison
//
// The findings of every rule at the evaluation time are compared with the
// expected ones as a set: a finding matches an expectation when rule,
// diagnosis, area, indicator, period, status and severity are equal and its
// message contains the expected substring. Every expectation without a
// finding is reported as missing, every finding without an expectation as
// unexpected, written in the notation of expected_findings.
package ruletest
