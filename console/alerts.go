package console

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso/server"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/timespec"
)

// alertsPageSize is how many alerts a page of /alerts lists, across its
// groups.
const alertsPageSize = 100

type alertsView struct {
	Enabled  bool
	Total    int // alerts matching the filter
	Page     int
	Pages    int
	PrevLink string
	NextLink string
	State    string // the state filter; empty for all
	Severity string // the severity filter; empty for all
	Groups   []alertGroupView
	Silences []silenceView
	Form     silenceForm
	Preview  *previewView
	Errors   []string
}

type alertGroupView struct {
	Receiver string
	Labels   []string // name="value"
	Alerts   []alertRow
}

type alertRow struct {
	Fingerprint string
	Name        string
	Area        string
	Indicator   string
	Period      string
	State       string
	Severity    chiso.Severity
	SevClass    string
	Since       string
	Summary     string
	Link        string
	Ack         string
	Acked       bool
	SilencedBy  []int64
	Inhibited   bool
	Matchers    string // a silence's matchers for this alert, to prefill the form
}

type silenceView struct {
	ID                 int64
	Matchers           string
	State              string
	StartsAt, EndsAt   string
	CreatedBy, Comment string
	Live               bool // pending or active: it can be expired
}

// silenceForm is what the new-silence form holds.
type silenceForm struct {
	Matchers, Duration, By, Comment string
}

type previewView struct {
	Matchers string
	Alerts   []alertRow
}

func (c *Console) alertsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.showAlerts(w, r, silenceForm{Matchers: q.Get("matchers"), Duration: cmp.Or(q.Get("duration"), "2h"),
		By: q.Get("by"), Comment: q.Get("comment")}, q.Has("preview"))
}

// showAlerts renders /alerts with the new-silence form holding form and,
// when preview is set, the alerts the form's matchers would catch.
func (c *Console) showAlerts(w http.ResponseWriter, r *http.Request, form silenceForm, preview bool) {
	lang := langOf(r)
	title := tr(lang, "Cảnh báo", "Alerts")
	q := r.URL.Query()
	v := alertsView{Enabled: c.deps.Alerting != nil, State: q.Get("state"), Severity: q.Get("severity"), Form: form}
	if !v.Enabled {
		c.render(w, r, http.StatusOK, "alerts", title, "alerts", v)
		return
	}
	switch v.State {
	case "", "firing", "pending", "resolved":
	default:
		v.Errors = append(v.Errors, tr(lang, "Tham số state ", "Query parameter state ")+quote(v.State)+
			tr(lang, " không phải firing, pending hay resolved", " is not firing, pending or resolved"))
	}
	if v.Severity != "" && chiso.Severity(v.Severity).Rank() == 0 {
		v.Errors = append(v.Errors, tr(lang, "Tham số severity ", "Query parameter severity ")+quote(v.Severity)+
			tr(lang, " không phải critical, warning hay info", " is not critical, warning or info"))
	}
	if len(v.Errors) > 0 {
		c.render(w, r, http.StatusBadRequest, "alerts", title, "alerts", v)
		return
	}
	cat, err := c.deps.Querier.Catalogue(r.Context())
	if err != nil {
		c.problem(w, r, http.StatusInternalServerError, err.Error())
		return
	}
	names := c.names(cat, lang)
	now := c.deps.Now()
	v.Page = 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			c.problem(w, r, http.StatusBadRequest, tr(lang, "Tham số page ", "Query parameter page ")+quote(p)+
				tr(lang, " không phải số trang (1, 2, …)", " is not a page number (1, 2, …)"))
			return
		}
		v.Page = n
	}
	first, end := (v.Page-1)*alertsPageSize, v.Page*alertsPageSize
	for _, g := range c.deps.Alerting.Groups(now) {
		gv := alertGroupView{Receiver: cmp.Or(g.Receiver, "—")}
		for _, st := range g.Alerts {
			if v.State != "" && string(st.State) != v.State || v.Severity != "" && st.Labels[alerting.LabelSeverity] != v.Severity {
				continue
			}
			v.Total++
			if v.Total <= first || v.Total > end {
				continue // on another page
			}
			row := alertRowOf(st.Alert, names, lang)
			row.Acked, row.SilencedBy, row.Inhibited = st.Acknowledged, st.SilencedBy, st.Inhibited
			gv.Alerts = append(gv.Alerts, row)
		}
		if len(gv.Alerts) > 0 {
			for _, k := range sortedLabelNames(g.Labels) {
				gv.Labels = append(gv.Labels, k+"="+strconv.Quote(g.Labels[k]))
			}
			v.Groups = append(v.Groups, gv)
		}
	}
	v.Pages = max(1, (v.Total+alertsPageSize-1)/alertsPageSize)
	if v.Page > v.Pages {
		c.problem(w, r, http.StatusNotFound, tr(lang, "Chỉ có ", "There are only ")+strconv.Itoa(v.Pages)+
			tr(lang, " trang cảnh báo.", " pages of alerts."))
		return
	}
	link := func(page int) string {
		u := url.Values{}
		if v.State != "" {
			u.Set("state", v.State)
		}
		if v.Severity != "" {
			u.Set("severity", v.Severity)
		}
		u.Set("page", strconv.Itoa(page))
		return "/alerts?" + u.Encode()
	}
	if v.Page > 1 {
		v.PrevLink = link(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextLink = link(v.Page + 1)
	}
	for _, s := range c.deps.Alerting.Silences() {
		st := s.State(now)
		v.Silences = append(v.Silences, silenceView{ID: s.ID, Matchers: s.Matchers.String(), State: string(st),
			StartsAt: names.time(s.StartsAt), EndsAt: names.time(s.EndsAt), CreatedBy: s.CreatedBy,
			Comment: s.Comment, Live: st != alerting.SilenceExpired})
	}
	if preview {
		ms, err := parseMatchers(v.Form.Matchers, lang)
		if err != nil {
			v.Errors = append(v.Errors, err.Error())
		} else {
			p := &previewView{Matchers: ms.String()}
			for _, a := range c.deps.Alerting.Preview(ms) {
				p.Alerts = append(p.Alerts, alertRowOf(a, names, lang))
			}
			v.Preview = p
		}
	}
	code := http.StatusOK
	if len(v.Errors) > 0 {
		code = http.StatusBadRequest
	}
	c.render(w, r, code, "alerts", title, "alerts", v)
}

func alertRowOf(a chiso.Alert, names *namer, lang string) alertRow {
	f := a.Finding
	row := alertRow{Fingerprint: a.Fingerprint, Name: a.Labels[alerting.LabelAlertname], Area: names.area(a.Labels[alerting.LabelArea]),
		Indicator: names.indicator(a.Labels[alerting.LabelIndicator]), Period: a.Labels[alerting.LabelPeriod],
		State: string(a.State), Severity: chiso.Severity(a.Labels[alerting.LabelSeverity]),
		Since: names.time(cmp.Or(a.FiredAt, a.ActiveAt)), Summary: cmp.Or(a.Annotations["summary"], names.message(&f)),
		Link: findingLink(&f)}
	row.SevClass = severityClass(row.Severity.Rank())
	if a.Ack != nil {
		row.Ack = ackText(a.Ack, names)
	}
	var ms []string
	for _, k := range []string{alerting.LabelAlertname, alerting.LabelArea, alerting.LabelIndicator, alerting.LabelPeriod} {
		if val := a.Labels[k]; val != "" {
			ms = append(ms, k+"="+strconv.Quote(val))
		}
	}
	row.Matchers = strings.Join(ms, ", ")
	return row
}

func sortedLabelNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// parseMatchers reads the form's matchers: Alertmanager's syntax, with or
// without braces; at least one is needed.
func parseMatchers(s, lang string) (alerting.Matchers, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New(tr(lang, "Cần ít nhất một điều kiện, ví dụ area=\"PT\".", "At least one matcher is needed, e.g. area=\"PT\"."))
	}
	if !strings.HasPrefix(s, "{") {
		s = "{" + s + "}"
	}
	ms, err := alerting.ParseMatchers(s)
	if err == nil {
		err = ms.CheckLimits()
	}
	if err != nil {
		return nil, errors.New(tr(lang, "Điều kiện ", "Matchers ") + quote(s) + ": " + err.Error())
	}
	if len(ms) == 0 {
		return nil, errors.New(tr(lang, "Cần ít nhất một điều kiện, ví dụ area=\"PT\".", "At least one matcher is needed, e.g. area=\"PT\"."))
	}
	return ms, nil
}

func (c *Console) ack(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	if c.deps.Alerting == nil {
		c.problem(w, r, http.StatusServiceUnavailable, tr(lang, "Daemon này không chạy quản lý cảnh báo.", "This daemon runs no alert manager."))
		return
	}
	kind := chiso.AckKind(r.PostForm.Get("kind"))
	by, comment := strings.TrimSpace(r.PostForm.Get("by")), r.PostForm.Get("comment")
	var errs []string
	if kind != chiso.AckCorrect && kind != chiso.AckWillBeCorrect {
		errs = append(errs, tr(lang, "kind ", "kind ")+quote(string(kind))+tr(lang, " không phải correct hay will_be_corrected", " is not correct or will_be_corrected"))
	}
	if by == "" {
		errs = append(errs, tr(lang, "Cần ghi tên người xác nhận (by).", "Who acknowledges (by) is required."))
	}
	if len(by) > alerting.MaxAuthorBytes || len(comment) > alerting.MaxCommentBytes {
		errs = append(errs, tr(lang, "Tên hoặc ghi chú quá dài.", "The name or the comment is too long."))
	}
	if len(errs) > 0 {
		c.problem(w, r, http.StatusBadRequest, strings.Join(errs, " ")+tr(lang, " Không có gì thay đổi.", " Nothing changed."))
		return
	}
	fp := r.PathValue("fingerprint")
	a := c.apiJSON(r, http.MethodPost, "/api/v1/alerts/"+url.PathEscape(fp)+"/ack",
		server.AckRequest{Kind: kind, By: by, Comment: comment})
	if a.Status != http.StatusOK {
		c.refused(w, r, a, tr(lang, "Không xác nhận được cảnh báo ", "Cannot acknowledge alert ")+quote(fp))
		return
	}
	http.Redirect(w, r, localPath(cmp.Or(r.PostForm.Get("back"), "/alerts")), http.StatusSeeOther)
}

func (c *Console) addSilence(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	if c.deps.Alerting == nil {
		c.problem(w, r, http.StatusServiceUnavailable, tr(lang, "Daemon này không chạy quản lý cảnh báo.", "This daemon runs no alert manager."))
		return
	}
	f := r.PostForm
	if f.Has("preview") { // the form's preview button: show, change nothing
		c.showAlerts(w, r, silenceForm{Matchers: f.Get("matchers"), Duration: f.Get("duration"), By: f.Get("by"), Comment: f.Get("comment")}, true)
		return
	}
	var errs []string
	ms, err := parseMatchers(f.Get("matchers"), lang)
	if err != nil {
		errs = append(errs, err.Error())
	}
	d, err := timespec.ParseDuration(strings.TrimSpace(f.Get("duration")))
	if err != nil || d <= 0 {
		errs = append(errs, tr(lang, "Thời hạn ", "Duration ")+quote(f.Get("duration"))+tr(lang, " không hợp lệ (ví dụ 2h, 7d).", " is not a duration (e.g. 2h, 7d)."))
	}
	now := c.deps.Now()
	s := alerting.Silence{Matchers: ms, StartsAt: now, EndsAt: now.Add(d), CreatedBy: strings.TrimSpace(f.Get("by")), Comment: f.Get("comment")}
	if len(errs) == 0 {
		if err := s.Validate(now); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		c.problem(w, r, http.StatusBadRequest, strings.Join(errs, " · ")+tr(lang, " — không tạo lệnh tắt tiếng nào.", " — no silence was made."))
		return
	}
	req := map[string]any{"duration": strings.TrimSpace(f.Get("duration")), "created_by": s.CreatedBy, "comment": s.Comment}
	var strs []string
	for _, m := range ms {
		strs = append(strs, m.String())
	}
	req["matchers"] = strs
	a := c.apiJSON(r, http.MethodPost, "/api/v1/silences", req)
	if a.Status != http.StatusOK {
		c.refused(w, r, a, tr(lang, "Không tạo được lệnh tắt tiếng", "Cannot make the silence"))
		return
	}
	var made struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(a.Body.Data, &made)
	http.Redirect(w, r, "/alerts#s-"+strconv.FormatInt(made.ID, 10), http.StatusSeeOther)
}

func (c *Console) expireSilence(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	if c.deps.Alerting == nil {
		c.problem(w, r, http.StatusServiceUnavailable, tr(lang, "Daemon này không chạy quản lý cảnh báo.", "This daemon runs no alert manager."))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		c.problem(w, r, http.StatusBadRequest, tr(lang, "Mã lệnh tắt tiếng ", "Silence id ")+quote(r.PathValue("id"))+tr(lang, " không phải một số.", " is not a number."))
		return
	}
	a := c.api(r, http.MethodDelete, "/api/v1/silences/"+strconv.FormatInt(id, 10), "", nil)
	if a.Status != http.StatusOK {
		c.refused(w, r, a, tr(lang, "Không kết thúc được lệnh tắt tiếng #", "Cannot expire silence #")+strconv.FormatInt(id, 10))
		return
	}
	http.Redirect(w, r, "/alerts#s-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
