package ingest

import (
	"errors"
	"fmt"

	"github.com/chiso-vn/chiso"
)

// localeVote tells, over a whole file, whether its printed numbers are in
// the other locale: a spreadsheet program's plain export (1.25, 1307.44)
// read as Vietnamese would otherwise give one "ambiguous number" line per
// row and never say that --locale en reads it.
type localeVote struct {
	wrong      int      // value cells refused in the read's locale that the other reads
	listed     []*Error // those of them in the error list
	firstWrong *Error   // the first of them
	right      int      // value cells only the read's locale reads (1.307,44 in Vietnamese)
	differ     int      // value cells both locales read, as different figures (2.500)
}

// judge notes how a value cell reads in the other locale and reports
// whether it is a cell refused in the read's locale that the other reads:
// err is what reading it in the read's locale gave (nil when it read).
func (rd *reader) judge(text string, ind chiso.Indicator, err error) bool {
	if err == nil {
		switch {
		case onlyReads(text, rd.opts.Locale):
			rd.vote.right++
		case groupsThousands(text):
			rd.vote.differ++
		}
		return false
	}
	var p *Problem
	switch {
	case errors.As(err, &p) && p.Kind == "ambiguous_group":
		rd.vote.differ++ // both locales read it, as figures a thousand apart
		return false
	case p == nil || p.Kind != "ambiguous_number":
		return false
	}
	other := English
	if rd.opts.Locale == English {
		other = Vietnamese
	}
	x := extractor{loc: other, cell: true}
	if _, _, otherErr := x.read(text, ind, false, nil); otherErr != nil {
		return false
	}
	rd.vote.wrong++
	return true
}

// onlyReads reports whether text, read in loc, has a decimal mark between
// digits followed by other than three digits: the other locale takes that
// mark for a thousands separator and refuses it (81,7 in Vietnamese,
// 1307.44 in English), so the file is in loc.
func onlyReads(text string, loc Locale) bool {
	_, dec := loc.marks()
	for i := 1; i+1 < len(text); i++ {
		if text[i] != dec || !digitAt(text, i-1) || !digitAt(text, i+1) {
			continue
		}
		n := 0
		for j := i + 1; digitAt(text, j); j++ {
			n++
		}
		if n != 3 {
			return true
		}
	}
	return false
}

// groupsThousands reports whether text has a "." or "," between digits
// followed by exactly three: a figure both locales read, differently (2.500
// is 2500 in Vietnamese and 2.5 in English).
func groupsThousands(text string) bool {
	for i := 1; i+3 < len(text)+0; i++ {
		c := text[i]
		if (c != '.' && c != ',') || !digitAt(text, i-1) {
			continue
		}
		if digitAt(text, i+1) && digitAt(text, i+2) && digitAt(text, i+3) && !digitAt(text, i+4) {
			return true
		}
	}
	return false
}

// wrongLocale records the error just added for a value cell that reads in
// the other locale.
func (rd *reader) wrongLocale(e *Error) {
	if rd.vote.firstWrong == nil {
		rd.vote.firstWrong = e
	}
	if n := len(rd.errs.Errors); n > 0 && rd.errs.Errors[n-1] == e {
		rd.vote.listed = append(rd.vote.listed, e)
	}
}

// verdict replaces the per-row errors of a file whose numbers are all in
// the other locale by one error that says so and names the flag.
func (rd *reader) verdict() {
	v := &rd.vote
	if v.wrong == 0 || v.right > 0 || v.differ > 0 {
		return // the flag would not read every figure, or would misread some
	}
	drop := map[*Error]bool{}
	for _, e := range v.listed {
		drop[e] = true
	}
	kept := rd.errs.Errors[:0]
	for _, e := range rd.errs.Errors {
		if !drop[e] {
			kept = append(kept, e)
		}
	}
	unlisted := v.wrong - len(v.listed)
	rd.errs.More -= unlisted
	if c := rd.errs.MoreKinds["ambiguous_number"]; c != nil {
		if c.N -= unlisted; c.N <= 0 {
			delete(rd.errs.MoreKinds, "ambiguous_number")
		}
	}
	first := v.firstWrong
	other, flag := "English", "en"
	otherVI := "tiếng Anh"
	if rd.opts.Locale == English {
		other, flag, otherVI = "Vietnamese", "vi", "tiếng Việt"
	}
	n := FormatNumber(float64(v.wrong), English)
	nVI := FormatNumber(float64(v.wrong), Vietnamese)
	en := fmt.Sprintf("%s values, the first %s at %s, read only that way", n, quote(first.Value), placeOf(first))
	vi := fmt.Sprintf("%s giá trị, đầu tiên là %s ở %s, chỉ đọc được theo cách đó", nVI, quote(first.Value), placeOf(first))
	if v.wrong == 1 {
		en = fmt.Sprintf("the value %s at %s reads only that way", quote(first.Value), placeOf(first))
		vi = fmt.Sprintf("giá trị %s ở %s chỉ đọc được theo cách đó", quote(first.Value), placeOf(first))
	}
	summary := &Error{File: rd.name, Lang: rd.opts.Lang, Err: &Problem{Kind: "wrong_locale",
		EN: fmt.Sprintf("the numbers of this file are written in %s (%s): import it with --locale %s", other, en, flag),
		VI: fmt.Sprintf("số liệu trong tệp này được viết theo cách %s (%s): hãy nhập với --locale %s", otherVI, vi, flag)}}
	rd.errs.Errors = append([]*Error{summary}, kept...)
}

// placeOf returns an error's position without the file name.
func placeOf(e *Error) string {
	w := e.Where()
	if len(w) > len(e.File) {
		return w[len(e.File)+1:]
	}
	return w
}
