package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/chiso-vn/chiso"
	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/chiso-vn/chiso/server"
)

func runAck(ctx context.Context, e *env, args []string) int {
	fs := newCommandFlagSet(e, "ack", "FINGERPRINT")
	cf := addClientFlags(fs)
	kind := fs.String("kind", "", "correct (the figure was reviewed and is right) or will_be_corrected")
	by := fs.String("by", os.Getenv("USER"), "who acknowledges")
	comment := fs.String("comment", "", "what was checked, or when the correction comes")
	pos, code, ok := parseInterleaved(fs, args)
	if !ok {
		return code
	}
	req := server.AckRequest{Kind: chiso.AckKind(*kind), By: *by, Comment: *comment}
	if err := checkAck(pos, req); err != nil {
		return usageErr(e, "ack", "%v", err)
	}
	c, err := cf.client()
	if err != nil {
		return usageErr(e, "ack", "%v", err)
	}
	var a alertRow
	if err := c.do(ctx, "POST", "/api/v1/alerts/"+url.PathEscape(pos[0])+"/ack", req, &a); err != nil {
		return fail(e, "ack", err)
	}
	fmt.Fprintf(e.stdout, "acknowledged %s (%s %s) as %s; it stays quiet until its data gets a new revision\n",
		a.Fingerprint, a.Labels["alertname"], a.Labels["area"], req.Kind)
	return 0
}

// checkAck reports every problem of the ack command's arguments at once.
func checkAck(pos []string, req server.AckRequest) error {
	var errs []error
	if len(pos) != 1 {
		errs = append(errs, fmt.Errorf("want one alert fingerprint, chiso's or Alertmanager's (see chiso alerts list), got %d arguments", len(pos)))
	}
	if req.Kind != chiso.AckCorrect && req.Kind != chiso.AckWillBeCorrect {
		errs = append(errs, fmt.Errorf("--kind %s: want %s or %s", clip.Quote(string(req.Kind)), chiso.AckCorrect, chiso.AckWillBeCorrect))
	}
	if strings.TrimSpace(req.By) == "" {
		errs = append(errs, errors.New("--by is required: who acknowledges"))
	}
	return errors.Join(errs...)
}
