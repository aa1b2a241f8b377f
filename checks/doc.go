// Package checks holds chiso's check kinds: pure functions of (parameters,
// the series they need, evaluation time) that return findings. No check
// reads the clock or the database.
//
// # How the check kinds read the data
//
// Qualifiers. A published figure allows a set of true values: exact,
// estimate, preliminary and derived figures are the value itself (a verdict
// on a provisional figure says so); "over v" (trên, hơn) is above v, up to
// v·(1+slack); "nearly v" (gần) is from v·(1−slack) up to v; "about v"
// (khoảng) is within v·slack either side. slack is a per-rule key, 0.1 by
// default. The set is then narrowed to the indicator's possible values
// (catalogue Min and Max), so "over 95%" is (95, 100] and "over 100%" is
// impossible. A verdict that holds for every allowed value passes, for none
// fails, and for some is indeterminate.
//
// Like periods. A figure is compared with the previous like period: 2024
// with 2023, 2024-H1 with 2023-H1, 2024-08 with 2023-08, never a half-year
// with a year. When that period is missing, the latest earlier like period
// is used and the change annualised over the gap.
//
// Lineage. An area made by a merger (Data.Predecessors) whose previous like
// period predates it is compared with the sum of its predecessors' figures
// for additive indicators, when every predecessor has one; shares, ranks and
// ratios are not compared; a part of a split is not compared with the whole;
// a rename is compared directly. Figures measured by different methods are
// never compared.
//
// Skips. What a check could not judge is counted in Env.Skips by reason
// (SkipTooLittleHistory, SkipMethodChanged, SkipLineageIncomplete …), so
// that "no finding" can be told from "not evaluated".
//
// The kinds and their keys (every key optional unless said):
//
//	range        min, max, slack
//	target       on_track, projection (least_squares | last_two), points (all), slack, tolerance (0.01)
//	change       mode (relative | absolute | points), max_increase and/or max_decrease (one required), min_base, tolerance (0.2), slack
//	scale        tolerance (0.2)
//	consistency  expr (required), tolerance, slack
//	monotonic    tolerance (0), slack
//	freshness    kind (year), due ("03-31" for years, "+45d" otherwise), require_history (true)
//	outlier      method (both | hb | mad), c (4), u (0.5), a (0.05), max_z (3.5), min_areas (5)
//	definition   alternatives (required)
package checks
