package ingest

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/chiso-vn/chiso"
)

// unitSpec is a unit as a department writes it in a unit column or a
// header: "triệu đồng", "%", "nghìn thuê bao", "trạm". It says how to read
// the figures it applies to; Figure.In then converts them to the
// indicator's unit.
type unitSpec struct {
	text     string // as written
	percent  bool   // %, phần trăm, tỷ lệ (%)
	scale    int    // power of ten of its scale word: triệu đồng is 6
	currency string // VND or USD; empty when none
	noun     string // the catalogue unit of what it counts (station, site …); empty when none
}

// parsedUnit is a unit text read once per file: its spec, or why it does
// not parse.
type parsedUnit struct {
	spec *unitSpec
	err  error
}

// unitNouns are the words for counted things, each with the catalogue
// unit (an indicator's Unit) it means. One table: the import, the error
// messages and the README read it.
var unitNouns = newPhrases(
	words("vị trí trạm", nounSite), words("vị trí", nounSite), words("site", nounSite), words("sites", nounSite),
	words("trạm bts", nounStation), words("trạm", nounStation), words("station", nounStation), words("stations", nounStation),
	words("thuê bao", nounSubscriber), words("subscriber", nounSubscriber), words("subscribers", nounSubscriber),
	words("subscription", nounSubscriber), words("subscriptions", nounSubscriber),
	words("xã", nounCommune), words("commune", nounCommune), words("communes", nounCommune),
	words("tài khoản", nounAccount), words("account", nounAccount), words("accounts", nounAccount),
	words("tổ", nounTeam), words("team", nounTeam), words("teams", nounTeam),
	words("người", nounPerson), words("person", nounPerson), words("persons", nounPerson), words("people", nounPerson),
	words("điểm", nounPoint), words("point", nounPoint), words("points", nounPoint),
	words("thẻ", nounCard), words("card", nounCard), words("cards", nounCard),
	words("đầu sách", nounTitle), words("title", nounTitle), words("titles", nounTitle),
	words("bản", nounCopy), words("cuốn", nounCopy), words("copy", nounCopy), words("copies", nounCopy),
	words("thứ hạng", nounRank), words("hạng", nounRank), words("rank", nounRank),
)

const (
	nounSite = iota + 1
	nounStation
	nounSubscriber
	nounCommune
	nounAccount
	nounTeam
	nounPerson
	nounPoint
	nounCard
	nounTitle
	nounCopy
	nounRank
)

// nounUnits maps a noun to the catalogue unit it names.
var nounUnits = [...]string{nounSite: "site", nounStation: "station", nounSubscriber: "subscriber",
	nounCommune: "commune", nounAccount: "account", nounTeam: "team", nounPerson: "person", nounPoint: "point",
	nounCard: "card", nounTitle: "title", nounCopy: "copy", nounRank: "rank"}

// unitFillers are words a unit may carry that change nothing: "tỷ lệ (%)",
// "đơn vị: trạm".
var unitFillers = newWordSet("tỷ", "lệ", "đơn", "vị", "tính", "unit", "units", "số", "number", "of", "in", "share")

// parseUnit reads a unit as written in a unit column or a header. The
// empty text is no unit.
func parseUnit(text string) (unitSpec, error) {
	u := unitSpec{text: text}
	toks := tokenize(text, nil)
	for i := 0; i < len(toks); {
		if n := u.readWord(toks, i); n > 0 {
			i += n
			continue
		}
		t := toks[i]
		switch {
		case t.sym("%"):
			u.percent = true
		case t.sym("()[]:/,.-"):
		case t.kind == tokWord && unitFillers[t.lower]:
		default:
			return unitSpec{}, unknownUnit(text)
		}
		i++
	}
	return u, nil
}

// readWord reads a scale, currency, percent or noun phrase at toks[i],
// returning how many tokens it took (0 for none).
func (u *unitSpec) readWord(toks []token, i int) int {
	if p, ok := matchAt(toks, i, scaleWords); ok && u.scale == 0 && !(i+1 < len(toks) && notScaleWords.has(toks[i+1])) {
		u.scale = p.val
		return len(p.words)
	}
	if p, ok := matchAt(toks, i, currencyWords); ok && u.currency == "" {
		u.currency = currencyNames[p.val]
		return len(p.words)
	}
	if p, ok := matchAt(toks, i, percentWords); ok {
		u.percent = true
		return len(p.words)
	}
	if p, ok := matchAt(toks, i, unitNouns); ok && u.noun == "" {
		u.noun = nounUnits[p.val]
		return len(p.words)
	}
	return 0
}

func unknownUnit(text string) error {
	known := knownUnitWords()
	return problem("unknown_unit",
		"unknown unit %s: write a scale and a currency (triệu đồng, tỷ đồng, nghìn tỷ đồng, triệu USD), %% or what is counted (%s)",
		"đơn vị %s không nhận ra được: hãy ghi quy mô và loại tiền (triệu đồng, tỷ đồng, nghìn tỷ đồng, triệu USD), %% hoặc đơn vị đếm (%s)",
		quote(text), known)
}

// knownUnitWords lists the Vietnamese words for counted things.
func knownUnitWords() string {
	var list []string
	for _, ps := range unitNouns.byFirst {
		for _, p := range ps {
			w := strings.Join(p.words, " ")
			if !isASCII(w) || w == "xã" {
				list = append(list, w)
			}
		}
	}
	sort.Strings(list)
	return strings.Join(list, ", ")
}

// apply lays the unit over a figure read from a cell: the cell's own
// percent sign, scale word or currency must agree with it.
func (u *unitSpec) apply(f *Figure, ind chiso.Indicator) error {
	if u == nil {
		return nil
	}
	switch {
	case u.currency != "" && f.Currency != "" && u.currency != f.Currency:
		return unitConflict(u, f.Currency, f.Currency)
	case u.scale != 0 && f.Scale != 0:
		return unitConflict(u, scaleName(f.Scale, "en"), scaleName(f.Scale, "vi"))
	case u.noun != "" && u.noun != ind.Unit:
		return &Problem{Kind: "unit_mismatch",
			EN: fmt.Sprintf("the unit %s counts %ss, but %s is in %s", quote(u.text), u.noun, ind.Code, ind.Unit),
			VI: fmt.Sprintf("đơn vị %s đếm %s, nhưng chỉ tiêu %s tính bằng %s", quote(u.text), unitVI(u.noun), ind.Code, unitVI(ind.Unit))}
	}
	f.Percent = f.Percent || u.percent
	if u.currency != "" {
		f.Currency = u.currency
	}
	if u.scale != 0 {
		f.Scale = u.scale
	}
	return nil
}

func unitConflict(u *unitSpec, cellEN, cellVI string) error {
	return &Problem{Kind: "unit_mismatch",
		EN: fmt.Sprintf("the cell writes its own unit (%s) beside the unit %s: write the unit in one place", cellEN, quote(u.text)),
		VI: fmt.Sprintf("ô số liệu đã ghi đơn vị riêng (%s) bên cạnh đơn vị %s: chỉ ghi đơn vị ở một chỗ", cellVI, quote(u.text))}
}

// scaleNames are the scale words by their power of ten, in each language.
var scaleNames = map[int][2]string{1: {"ten", "chục"}, 2: {"hundred", "trăm"}, 3: {"thousand", "nghìn"}, 5: {"hundred thousand", "trăm nghìn"},
	6: {"million", "triệu"}, 9: {"billion", "tỷ"}, 12: {"trillion", "nghìn tỷ"}, 15: {"quadrillion", "triệu tỷ"}}

// scaleName names a power of ten as a scale word in the language.
func scaleName(exp int, lang string) string {
	if n, ok := scaleNames[exp]; ok {
		if lang == "en" {
			return n[0]
		}
		return n[1]
	}
	return fmt.Sprintf("10^%d", exp)
}

// unitNamesVI are the catalogue's unit codes as Vietnamese messages name
// them.
var unitNamesVI = map[string]string{"site": "vị trí trạm", "station": "trạm", "subscriber": "thuê bao", "commune": "xã",
	"account": "tài khoản", "team": "tổ", "person": "người", "point": "điểm", "card": "thẻ", "title": "đầu sách",
	"copy": "bản", "rank": "thứ hạng", "percent": "%", "billion_vnd": "tỷ đồng", "billion_usd": "tỷ USD",
	"million_vnd": "triệu đồng", "million_usd": "triệu USD", "trillion_vnd": "nghìn tỷ đồng"}

// unitVI names a unit code in Vietnamese, or returns it as it is.
func unitVI(code string) string {
	if n, ok := unitNamesVI[code]; ok {
		return n
	}
	return code
}

// convertNumber converts a number given in a unit (a spreadsheet's number
// cell or a canonical value beside a unit column) to the indicator's unit,
// shifting decimal exponents so that 1250000 triệu đồng is exactly 1250
// billion.
func convertNumber(v float64, unit *unitSpec, ind chiso.Indicator) (float64, error) {
	var f Figure
	if err := parseDecimal(strconv.FormatFloat(math.Abs(v), 'f', -1, 64), English, &f.num); err != nil {
		return 0, err
	}
	f.num.neg = v < 0
	if err := unit.apply(&f, ind); err != nil {
		return 0, err
	}
	d := f.num
	if err := f.shift(ind, &d); err != nil {
		return 0, err
	}
	return d.float()
}

// englishGroup and vietGroup match a number that is one thousands group
// in the other locale: 1,310 read in Vietnamese, 1.310 in English.
var (
	englishGroup = regexp.MustCompile(`(?:^|[^0-9.,])([0-9]{1,3}),([0-9]{3})(?:$|[^0-9.,])`)
	vietGroup    = regexp.MustCompile(`(?:^|[^0-9.,])([0-9]{1,3})\.([0-9]{3})(?:$|[^0-9.,])`)
)

// fractionalCount explains why v cannot be a figure of ind, a count or a
// rank, with the figure the text most likely meant.
func fractionalCount(text string, ind chiso.Indicator, v float64, loc Locale) error {
	what, whatVI := "a count", "số đếm"
	switch ind.Kind {
	case chiso.KindRank:
		what, whatVI = "a rank", "thứ hạng"
	case chiso.KindCount:
	default:
		what, whatVI = ind.Code+" (whole numbers only)", ind.Code+" (chỉ nhận số nguyên)"
	}
	re, other := englishGroup, English
	if loc == English {
		re, other = vietGroup, Vietnamese
	}
	if m := re.FindStringSubmatch(text); m != nil {
		meant, _ := strconv.ParseFloat(m[1]+m[2], 64)
		return &Problem{Kind: "fractional_count",
			EN: fmt.Sprintf("%s cannot be %s; in %s write %s (or import the file with --locale %s)",
				what, FormatNumber(v, English), loc.nameIn("en"), FormatNumber(meant, loc), other),
			VI: fmt.Sprintf("%s không thể là %s; theo cách viết %s hãy ghi %s (hoặc nhập tệp với --locale %s)",
				whatVI, FormatNumber(v, Vietnamese), loc.nameIn("vi"), FormatNumber(meant, loc), other)}
	}
	return &Problem{Kind: "fractional_count",
		EN: fmt.Sprintf("%s cannot be fractional (%s): write a whole number", what, FormatNumber(v, English)),
		VI: fmt.Sprintf("%s không thể là số lẻ (%s): hãy ghi số nguyên", whatVI, FormatNumber(v, Vietnamese))}
}
