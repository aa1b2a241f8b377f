package email

import (
	"time"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerts"
)

// Example returns a notification with the reason, queued at at, about
// indicators and areas of the sample catalogue, for previewing templates
// without alerts in the store: a definition change for Phú Thọ's BTS count,
// a below-target fibre share for Điện Biên, and a resolved unit slip in
// Vĩnh Phúc's ICT revenue (acknowledged, in a digest).
func Example(reason alerts.Reason, at time.Time) *alerts.Notification {
	bts := exampleAlert(chiso.Finding{Rule: "DefinitionChange", Group: "plausibility", Diagnosis: chiso.DefinitionChange,
		Severity: chiso.Warning, Indicator: "bts_stations", Area: "PT", Period: chiso.MustParsePeriod("2024"), Value: 1900, Expected: 2500,
		Message: "Phú Thọ báo cáo gần 1.900 vị trí trạm năm 2024 sau 2.500 trạm năm 2017: đơn vị đếm đã đổi từ trạm sang vị trí trạm, không phải giảm 24%.",
		Source:  "phutho-2024.md"}, at.Add(-2*time.Hour))
	fibre := exampleAlert(chiso.Finding{Rule: "FibreBelowTarget", Group: "targets", Diagnosis: chiso.BelowTarget,
		Severity: chiso.Critical, Indicator: "village_fibre_coverage", Area: "DB", Period: chiso.MustParsePeriod("2022"), Value: 83.7, Expected: 100,
		Message: "Tỷ lệ thôn/bản có cáp quang của Điện Biên năm 2022 là 83,7%, chưa đạt mục tiêu 100% năm 2025 (Quyết định 749/QĐ-TTg).",
		Source:  "dienbien-2022.md"}, at.Add(-26*time.Hour))
	revenue := exampleAlert(chiso.Finding{Rule: "UnitSlip", Group: "plausibility", Diagnosis: chiso.UnitSlip,
		Severity: chiso.Critical, Indicator: "ict_revenue", Area: "VP", Period: chiso.MustParsePeriod("2022"), Value: 183001, Expected: 3560,
		Message: "Doanh thu toàn ngành TT&TT của Vĩnh Phúc năm 2022 là 183.001 tỷ đồng, gấp 51 lần năm 2015 (3.560 tỷ đồng): cần kiểm tra phạm vi thống kê.",
		Source:  "vinhphuc-2023.md"}, at.Add(-72*time.Hour))
	revenue.State, revenue.ResolvedAt = chiso.Resolved, at.Add(-time.Hour)
	revenue.Ack = &chiso.Acknowledgement{Fingerprint: revenue.Fingerprint, Kind: chiso.AckCorrect, By: "Nguyễn Thị Lan",
		At: at.Add(-3 * time.Hour), Comment: "Từ 2022 số liệu gồm cả sản xuất điện tử; đã đối chiếu với Cục Thống kê."}
	n := &alerts.Notification{ID: 1, Receiver: "example", Integration: "email", Reason: reason, CreatedAt: at,
		GroupKey: `{}:{severity="critical"}`, GroupLabels: map[string]string{"severity": "critical"},
		Recipients: []string{"Giám đốc Sở <giamdoc@example.vn>"}}
	switch reason {
	case alerts.ReasonResolved:
		n.Alerts = []chiso.Alert{revenue}
	case alerts.ReasonDigest:
		n.Digest = &alerts.Digest{From: at.AddDate(0, 0, -7), To: at, Fired: []chiso.Alert{bts},
			StillFiring: []chiso.Alert{fibre}, Resolved: []chiso.Alert{revenue}, Acknowledged: []chiso.Alert{revenue}}
	case alerts.ReasonTest:
	default:
		n.Alerts = []chiso.Alert{fibre, bts, revenue}
	}
	return n
}

// exampleAlert is a firing alert for the finding, firing since firedAt.
func exampleAlert(f chiso.Finding, firedAt time.Time) chiso.Alert {
	return chiso.Alert{Fingerprint: f.Rule + "/" + f.Area + "/" + f.Indicator, State: chiso.Firing,
		ActiveAt: firedAt, FiredAt: firedAt, LastEval: firedAt, Value: f.Value, Expected: f.Expected, Finding: f,
		Labels: map[string]string{"alertname": f.Rule, "group": f.Group, "severity": string(f.Severity),
			"diagnosis": string(f.Diagnosis), "status": "fail", "indicator": f.Indicator, "area": f.Area, "period": f.Period.String()},
		Annotations: map[string]string{"summary": f.Text(), "description": "Nguồn: " + f.Source}}
}
