package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/alerting"
	"github.com/chiso-vn/chiso/internal/clip"
	"github.com/chiso-vn/chiso/server"
)

// defaultURL is where the commands that talk to the daemon find it: the
// default listen address of chiso serve.
const defaultURL = "http://127.0.0.1:9787"

// clientFlags are the flags of every command that talks to the daemon.
type clientFlags struct {
	url, tokenFile string
	urlSet         bool
}

func addClientFlags(fs *flag.FlagSet) *clientFlags {
	c := &clientFlags{}
	fs.Func("url", "the daemon's URL (default "+defaultURL+")", func(s string) error {
		c.url, c.urlSet = s, true
		return nil
	})
	fs.StringVar(&c.tokenFile, "token-file", "", "file holding the bearer token for writes (default: the CHISO_TOKEN environment variable)")
	return c
}

// client returns the HTTP client of the daemon the flags name.
func (c *clientFlags) client() (*apiClient, error) {
	base := c.url
	if base == "" {
		base = defaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %s: want an http:// or https:// URL such as %s", clip.Quote(base), defaultURL)
	}
	token := os.Getenv("CHISO_TOKEN")
	if c.tokenFile != "" {
		b, err := os.ReadFile(c.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	return &apiClient{base: strings.TrimSuffix(base, "/"), token: token,
		http: &http.Client{Timeout: 30 * time.Second, CheckRedirect: sameOrigin}}, nil
}

// sameOrigin follows a redirect only to the scheme, host and port the
// request went to: Go's client would send the token on to the same host
// name over http or on another port, and to its subdomains.
func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%s redirected to %s, another address: not followed, so that the token goes nowhere else (give --url that address if it is the daemon's)",
			first.Scheme+"://"+first.Host, req.URL.Scheme+"://"+req.URL.Host)
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// apiClient calls the daemon's JSON API.
type apiClient struct {
	base, token string
	http        *http.Client
}

// apiError is the daemon's error answer.
type apiError struct {
	Code    int
	Message string
	Errors  []server.InputError
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("the daemon answered %d: %s", e.Code, e.Message)
	for _, p := range e.Errors {
		s += "\n  " + p.String()
	}
	if e.Code == http.StatusUnauthorized {
		s += "\n(give the bearer token with --token-file or the CHISO_TOKEN environment variable)"
	}
	return s
}

// do sends a request with an optional JSON body and decodes the answer's
// data into out (nil: discard).
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.page(ctx, method, path, body, out)
	return err
}

// page is do for one page of a list: it returns the answer's next, empty
// after the last page.
func (c *apiClient) page(ctx context.Context, method, path string, body, out any) (string, error) {
	req, err := c.request(ctx, method, path, body)
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w (is chiso serve running? see --url)", method, c.base+path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Data   json.RawMessage     `json:"data"`
		Next   string              `json:"next"`
		Error  string              `json:"error"`
		Errors []server.InputError `json:"errors"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err := json.Unmarshal(raw, &env); err != nil {
		return "", fmt.Errorf("%s %s: answer %d is not chiso's JSON: %.200q", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode >= 300 {
		return "", &apiError{Code: resp.StatusCode, Message: env.Error, Errors: env.Errors}
	}
	if out == nil || len(env.Data) == 0 {
		return env.Next, nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return "", fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return env.Next, nil
}

// list fetches a list page after page, following next, and returns its
// items: all of them, or the first max when max > 0.
func (c *apiClient) list(ctx context.Context, method, path string, body any, max int) ([]json.RawMessage, error) {
	var all []json.RawMessage
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for next := ""; ; {
		p := path
		if next != "" {
			p += sep + "cursor=" + url.QueryEscape(next)
		}
		var items []json.RawMessage
		var err error
		if next, err = c.page(ctx, method, p, body, &items); err != nil {
			return nil, err
		}
		all = append(all, items...)
		if max > 0 && len(all) >= max {
			return all[:max], nil
		}
		if next == "" {
			return all, nil
		}
	}
}

// upload is a request body sent as it is, not as JSON.
type upload struct {
	body  io.Reader
	ctype string
}

func (c *apiClient) request(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var r io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case upload:
		r, ctype = b.body, b.ctype
	default:
		js, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// usageErr prints a usage problem of the command name, with where to find
// its usage, and returns exit code 2.
func usageErr(e *env, name, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "chiso %s: %s\nRun 'chiso %s -h' for usage.\n", name, fmt.Sprintf(format, args...), name)
	return 2
}

// parseMatcherArgs reads matchers given as arguments, one each or several
// in braces, and reports every bad one.
func parseMatcherArgs(args []string) (alerting.Matchers, error) {
	var ms alerting.Matchers
	var errs []error
	for _, a := range args {
		m, err := alerting.ParseMatchers(a)
		if err != nil {
			errs = append(errs, fmt.Errorf("matcher %s: %w", clip.Quote(a), err))
		}
		ms = append(ms, m...)
	}
	return ms, errors.Join(errs...)
}

func matcherStrings(ms alerting.Matchers) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}

func checkFormat(format string) error {
	if format != "table" && format != "json" {
		return fmt.Errorf("--format %s: want table or json", clip.Quote(format))
	}
	return nil
}

func writeJSONOut(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // stdout closed: nothing to do
}
