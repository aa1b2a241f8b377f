package console

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/checks"
)

// langCookie keeps the language a visitor chose; Vietnamese without it.
const langCookie = "chiso_lang"

func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "vi"
}

// tr picks the Vietnamese or the English text.
func tr(lang, vi, en string) string {
	if lang == "en" {
		return en
	}
	return vi
}

// setLang keeps the chosen language and goes back to the page.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "vi" && lang != "en" {
		c.problem(w, r, http.StatusNotFound, tr(langOf(r), "Không có ngôn ngữ ", "There is no language ")+quote(lang)+tr(langOf(r), " (vi hoặc en)", " (vi or en)"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// localPath returns back when it is a path on this site, else /. A
// backslash anywhere is refused: browsers read it as a slash, and
// http.Redirect cleans "/./\evil.example" into "/\evil.example", another
// site's address.
func localPath(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsRune(back, '\\') {
		return "/"
	}
	if u, err := url.Parse(back); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return back
}

// quote quotes user text for a message, cut to 80 characters.
func quote(s string) string {
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// words are the interface's texts: Vietnamese, English.
var words = map[string][2]string{
	"home":           {"Tổng quan", "Overview"},
	"findings":       {"Phát hiện", "Findings"},
	"alerts":         {"Cảnh báo", "Alerts"},
	"rules":          {"Quy tắc", "Rules"},
	"import":         {"Nhập dữ liệu", "Import"},
	"signin":         {"Đăng nhập", "Sign in"},
	"signout":        {"Đăng xuất", "Sign out"},
	"ready":          {"Sẵn sàng", "Ready"},
	"notready":       {"Chưa sẵn sàng: lần đánh giá đầu tiên chưa xong", "Not ready: the first evaluation has not finished"},
	"version":        {"Phiên bản", "Version"},
	"uptime":         {"Thời gian chạy", "Uptime"},
	"group":          {"Nhóm", "Group"},
	"schedule":       {"Lịch", "Schedule"},
	"lasteval":       {"Đánh giá gần nhất", "Last evaluation"},
	"nextrun":        {"Lần chạy tới", "Next run"},
	"lastreload":     {"Nạp lại cấu hình", "Last reload"},
	"ok":             {"thành công", "succeeded"},
	"refused":        {"bị từ chối", "refused"},
	"firing":         {"Cảnh báo đang phát", "Firing alerts"},
	"imports":        {"Lần nhập gần đây", "Recent imports"},
	"grid":           {"Chỉ số theo tỉnh", "Indicators by province"},
	"indicator":      {"Chỉ số", "Indicator"},
	"area":           {"Địa bàn", "Area"},
	"period":         {"Kỳ", "Period"},
	"severity":       {"Mức độ", "Severity"},
	"status":         {"Trạng thái", "Status"},
	"diagnosis":      {"Chẩn đoán", "Diagnosis"},
	"rule":           {"Quy tắc", "Rule"},
	"message":        {"Nội dung", "Message"},
	"value":          {"Giá trị", "Value"},
	"all":            {"Tất cả", "All"},
	"filter":         {"Lọc", "Filter"},
	"sort":           {"Sắp xếp", "Sort"},
	"next":           {"Trang sau", "Next page"},
	"prev":           {"Trang trước", "Previous page"},
	"none":           {"Không có", "None"},
	"nofinding":      {"không có phát hiện", "no finding"},
	"nofindings":     {"Không có phát hiện nào.", "No findings."},
	"figures":        {"Các số liệu", "Figures"},
	"raw":            {"Nguyên văn", "As printed"},
	"qualifier":      {"Định tính", "Qualifier"},
	"source":         {"Nguồn", "Source"},
	"revisions":      {"Các lần sửa", "Revisions"},
	"revision":       {"Lần", "Revision"},
	"reportedon":     {"Ngày công bố", "Reported on"},
	"ingested":       {"Ngày nhập", "Imported"},
	"target":         {"Mục tiêu", "Target"},
	"ack":            {"Xác nhận", "Acknowledge"},
	"ackcorrect":     {"Số liệu đúng", "The figure is correct"},
	"ackwill":        {"Sẽ được sửa", "Will be corrected"},
	"by":             {"Người xác nhận", "By"},
	"comment":        {"Ghi chú", "Comment"},
	"acked":          {"Đã xác nhận", "Acknowledged"},
	"silenced":       {"Đang tắt tiếng", "Silenced"},
	"inhibited":      {"Bị ức chế", "Inhibited"},
	"silences":       {"Tắt tiếng", "Silences"},
	"newsilence":     {"Tạo lệnh tắt tiếng", "New silence"},
	"matchers":       {"Điều kiện", "Matchers"},
	"duration":       {"Thời hạn", "Duration"},
	"preview":        {"Xem trước", "Preview"},
	"create":         {"Tạo", "Create"},
	"expire":         {"Kết thúc", "Expire"},
	"receiver":       {"Nơi nhận", "Receiver"},
	"health":         {"Tình trạng", "Health"},
	"lasterror":      {"Lỗi gần nhất", "Last error"},
	"took":           {"Thời lượng", "Duration"},
	"notevaluated":   {"Không đánh giá được", "Not evaluated"},
	"upload":         {"Tải tệp lên", "Upload a file"},
	"file":           {"Tệp (CSV hoặc XLSX)", "File (CSV or XLSX)"},
	"dryrun":         {"Kiểm tra trước (chưa lưu)", "Dry run (stores nothing)"},
	"commit":         {"Lưu vào kho", "Commit"},
	"added":          {"Thêm mới", "Added"},
	"revised":        {"Sửa đổi", "Revised"},
	"unchanged":      {"Không đổi", "Unchanged"},
	"errors":         {"Lỗi", "Errors"},
	"token":          {"Mã truy cập (bearer token)", "Access token (bearer token)"},
	"signinneeded":   {"Cần đăng nhập để thay đổi dữ liệu.", "Sign in to make changes."},
	"predsum":        {"Tổng các tỉnh trước sáp nhập", "Predecessors' sum before the merger"},
	"chart":          {"Biểu đồ", "Chart"},
	"legend":         {"Chú giải", "Legend"},
	"lg_current":     {"số liệu hiện hành", "current figure"},
	"lg_provisional": {"ước tính / sơ bộ", "estimate / preliminary"},
	"lg_range":       {"khoảng giá trị (trên, gần, khoảng)", "range (over, nearly, about)"},
	"lg_revision":    {"số liệu trước khi sửa", "earlier revision"},
	"lg_finding":     {"có phát hiện", "finding"},
	"lg_target":      {"mục tiêu đến hạn", "target to its deadline"},
	"lg_preds":       {"tổng các tỉnh cũ", "predecessors' sum"},
	"nodata":         {"Chưa có số liệu.", "No figures yet."},
	"fingerprint":    {"Mã cảnh báo", "Fingerprint"},
	"state":          {"Trạng thái", "State"},
	"since":          {"Từ", "Since"},
	"until":          {"Đến", "Until"},
	"createdby":      {"Người tạo", "Created by"},
	"noalerting":     {"Daemon này không chạy quản lý cảnh báo.", "This daemon runs no alert manager."},
	"noalerts":       {"Không có cảnh báo nào.", "No alerts."},
	"caught":         {"Lệnh tắt tiếng này sẽ áp dụng cho", "This silence would catch"},
	"series":         {"Chuỗi số liệu", "Series"},
	"cells":          {"ô", "cells"},
	"language":       {"English", "Tiếng Việt"},
	"evaluated":      {"Đơn vị đã đánh giá", "Units evaluated"},
	"file_line":      {"Tệp:dòng", "File:line"},
	"yaml":           {"YAML của quy tắc", "The rule's YAML"},
	"byindicator":    {"Theo chỉ số", "By indicator"},
	"committed":      {"Đã lưu", "Stored"},
	"dryrundone":     {"Kết quả kiểm tra (chưa lưu gì)", "Dry run result (nothing stored)"},
	"where":          {"Vị trí", "Where"},
	"field":          {"Trường", "Field"},
	"text":           {"Nội dung ô", "Cell text"},
	"more":           {"và còn", "and"},
	"kind_year":      {"Năm", "Years"},
	"kind_half":      {"6 tháng", "Half-years"},
	"kind_quarter":   {"Quý", "Quarters"},
	"kind_month":     {"Tháng", "Months"},
}

// funcs are the templates' functions in a language.
func funcs(lang string, loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string {
			w, ok := words[key]
			if !ok {
				return key
			}
			return tr(lang, w[0], w[1])
		},
		"num":      func(v float64) string { return checks.FormatNumber(v, lang) },
		"period":   func(p chiso.Period) string { return periodText(p, lang) },
		"time":     func(t time.Time) string { return timeText(t, lang, loc) },
		"secs":     func(s float64) string { return secondsText(s, lang) },
		"sev":      func(s chiso.Severity) string { return severityText(s, lang) },
		"diag":     func(d chiso.Diagnosis) string { return diagnosisText(d, lang) },
		"qual":     func(q chiso.Qualifier) string { return qualifierText(q, lang) },
		"query":    func(s string) string { return url.QueryEscape(s) },
		"float":    func(n int) float64 { return float64(n) },
		"sevclass": func(s chiso.Severity) string { return severityClass(s.Rank()) },
		"path":     func(s string) string { return url.PathEscape(s) },
	}
}

// periodText names a period as the checks' messages do; zero is a dash.
func periodText(p chiso.Period, lang string) string {
	if p.IsZero() {
		return "—"
	}
	return checks.FormatPeriod(p, lang)
}

// timeText writes a time in Vietnam's or the reader's habits, UTC.
// timeText writes an instant in the daemon's time zone, naming the zone.
func timeText(t time.Time, lang string, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(loc)
	if lang == "en" {
		return t.Format("2 Jan 2006 15:04 MST")
	}
	return t.Format("15:04 02/01/2006 MST")
}

// secondsText writes a duration in seconds, milliseconds below one.
func secondsText(s float64, lang string) string {
	switch {
	case math.IsNaN(s) || s <= 0:
		return "—"
	case s < 1:
		return checks.FormatNumber(math.Round(s*1e4)/10, lang) + " ms"
	}
	return checks.FormatNumber(math.Round(s*100)/100, lang) + " s"
}

// durationText writes an uptime.
func durationText(d time.Duration, lang string) string {
	d = d.Round(time.Second)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if days > 0 {
		return fmt.Sprintf(tr(lang, "%d ngày %d giờ", "%dd %dh"), days, h)
	}
	if h > 0 {
		return fmt.Sprintf(tr(lang, "%d giờ %d phút", "%dh %dm"), h, m)
	}
	return fmt.Sprintf(tr(lang, "%d phút %d giây", "%dm %ds"), m, int(d%time.Minute/time.Second))
}

func severityText(s chiso.Severity, lang string) string {
	switch s {
	case chiso.Critical:
		return tr(lang, "nghiêm trọng", "critical")
	case chiso.Warning:
		return tr(lang, "cảnh báo", "warning")
	case chiso.Info:
		return tr(lang, "thông tin", "info")
	}
	return string(s)
}

var diagnosisWords = map[chiso.Diagnosis][2]string{
	chiso.OutOfRange:        {"ngoài khoảng hợp lệ", "out of range"},
	chiso.BelowTarget:       {"chưa đạt mục tiêu", "below target"},
	chiso.OffTrack:          {"không kịp mục tiêu", "off track"},
	chiso.ImplausibleChange: {"thay đổi bất thường", "implausible change"},
	chiso.UnitSlip:          {"nhầm đơn vị", "unit slip"},
	chiso.DefinitionChange:  {"đổi định nghĩa", "definition change"},
	chiso.Inconsistent:      {"không nhất quán", "inconsistent"},
	chiso.Decrease:          {"giảm", "decrease"},
	chiso.Missing:           {"thiếu số liệu", "missing"},
	chiso.Outlier:           {"khác thường", "outlier"},
}

func diagnosisText(d chiso.Diagnosis, lang string) string {
	if w, ok := diagnosisWords[d]; ok {
		return tr(lang, w[0], w[1])
	}
	return string(d)
}

func qualifierText(q chiso.Qualifier, lang string) string {
	w := [...][2]string{{"chính xác", "exact"}, {"trên", "over"}, {"gần", "nearly"}, {"khoảng", "about"},
		{"ước tính", "estimate"}, {"sơ bộ", "preliminary"}, {"suy ra", "derived"}}
	if int(q) < len(w) {
		return tr(lang, w[q][0], w[q][1])
	}
	return q.String()
}

func statusText(s chiso.Status, lang string) string {
	if s == chiso.Indeterminate {
		return tr(lang, "không kết luận được", "indeterminate")
	}
	return tr(lang, "không đạt", "fail")
}
