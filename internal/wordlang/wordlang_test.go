package wordlang

import (
	"slices"
	"testing"
)

// TestVocabulary: the words a statistician would spot first are found in
// the code, and English homographs of folded Vietnamese words are not
// taken for Vietnamese.
func TestVocabulary(t *testing.T) {
	v, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"tren", "gan", "khoang", "ty", "dong", "tram", "xa", "nam", "hang"} {
		if !v.VI[w] {
			t.Errorf("%q is not in the Vietnamese vocabulary", w)
		}
	}
	for _, w := range []string{"over", "nearly", "stations", "sites", "target", "source"} {
		if !v.EN[w] {
			t.Errorf("%q is not in the English vocabulary", w)
		}
	}
	for _, w := range []string{"the", "to", "so"} {
		if v.VI[w] {
			t.Errorf("%q, an English word, is in the Vietnamese vocabulary", w)
		}
	}
	t.Logf("%d Vietnamese, %d English words", len(v.VI), len(v.EN))
}

func TestForeign(t *testing.T) {
	v := Vocabulary{VI: map[string]bool{"tren": true, "tram": true}, EN: map[string]bool{"over": true, "stations": true}}
	tests := []struct {
		text, lang string
		allowed    []string
		want       []string
	}{
		{"Phú Thọ: over 2,500 stations (2017).", "en", []string{"Phú Thọ"}, nil},
		{"Phú Thọ: tren 2,500 tram (2017).", "en", []string{"Phú Thọ"}, []string{"tren", "tram"}},
		{"Phú Thọ: trên 2,500 stations.", "en", []string{"Phú Thọ"}, []string{"trên"}},
		{"Phú Thọ: trên 2.500 trạm.", "vi", nil, nil},
		{"Phú Thọ: over 2.500 trạm (bts_stations).", "vi", nil, []string{"over"}},
	}
	for _, tt := range tests {
		if got := v.Foreign(tt.text, tt.lang, tt.allowed); !slices.Equal(got, tt.want) {
			t.Errorf("Foreign(%q, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}
