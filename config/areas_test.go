package config

import (
	"errors"
	"testing"

	"github.com/chiso-vn/chiso"
)

func TestCheckAreasNamesEveryUnknownCodeAtItsPlace(t *testing.T) {
	t.Setenv("CHISO_TEST_TOKEN", "own")
	c, err := Parse("chiso.yaml", []byte(`auth:
  tokens:
    - name: pt
      env: CHISO_TEST_TOKEN
      areas: [PT25, XX, PT]
drop_folder:
  path: inbox
  areas: [YY]
`), ".")
	if err != nil {
		t.Fatal(err)
	}
	cat := &chiso.Catalogue{Areas: []chiso.Area{{Code: "PT25", Level: chiso.LevelProvince}, {Code: "PT", Level: chiso.LevelProvince}}}
	err = c.CheckAreas(cat)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("CheckAreas = %v, want *Error", err)
	}
	want := `chiso.yaml:5:21: auth.tokens[0].areas[1]: unknown area "XX": not in the catalogue (chiso catalogue imports areas)
chiso.yaml:8:11: drop_folder.areas[0]: unknown area "YY": not in the catalogue (chiso catalogue imports areas)`
	if err.Error() != want {
		t.Errorf("got:\n%s\nwant:\n%s", err, want)
	}
	c.Auth.Tokens[0].Areas, c.Drop.Areas = []string{"PT"}, nil
	if err := c.CheckAreas(cat); err != nil {
		t.Errorf("known areas: %v", err)
	}
}
