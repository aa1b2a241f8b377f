package ingest

// plainCandidate is extract's fast path for the cell a plain table holds
// most often: a number and nothing else, such as 1307.44 or -5 in English
// (1307,44 in Vietnamese). For such text it leaves in x.toks the tokens
// tokenize gives and returns the candidate choose gives, for any indicator,
// without decoding and classifying runes or looking for words around the
// number (about a third less time a value: BenchmarkExtractPlainNumber).
// Any other text — grouped digits, a sign other than one leading
// ASCII minus, spaces, letters, %, a second decimal mark, anything not
// ASCII — returns false and takes the full path, so every rule of that path
// still applies. FuzzPlainCandidate pins the two paths to the same answer.
func (x *extractor) plainCandidate(text string) (candidate, bool) {
	digits := text
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if !plainDigits(digits, x.loc) {
		return candidate{}, false
	}
	neg := len(digits) < len(text)
	x.toks = x.toks[:0]
	if neg {
		x.toks = append(x.toks, token{kind: tokSym, text: text[:1]})
	}
	at := len(x.toks)
	x.toks = append(x.toks, token{kind: tokNumber, text: digits, glued: neg})
	// What analyze finds for a lone number: nothing before it but perhaps
	// the minus sign, nothing after it.
	c := candidate{at: at, end: at + 1}
	c.err = parseDecimal(digits, x.loc, &c.num)
	c.num.neg = neg
	return c, true
}

// plainDigits reports whether s is ASCII digits with at most one decimal
// mark of the locale, between two digits.
func plainDigits(s string, loc Locale) bool {
	_, dec := loc.marks()
	mark := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == dec && !mark && i > 0 && i < len(s)-1 {
			mark = true
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
