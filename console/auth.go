package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/chiso-vn/chiso/server"
)

// The console's cookies. The token cookie holds the bearer token a person
// signed in with; the CSRF cookie holds a random value that every form
// sends back (double submit). Both are HttpOnly and SameSite=Strict.
const (
	tokenCookie = "chiso_token"
	csrfCookie  = "chiso_csrf"
	csrfField   = "csrf"
)

// secure reports whether the browser reached the console over https: the
// daemon's own TLS, or a reverse proxy's, as the page's Origin or the
// proxy's X-Forwarded-Proto says. A cookie set Secure then never travels
// over plain http. Whoever forges these headers only gets a cookie their
// plain-http browser will not send back.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(r.Header.Get("Origin"), "https://") ||
		strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// csrf returns the visitor's CSRF value, setting a new one on w when the
// request had none.
func (c *Console) csrf(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 64 {
		return ck.Value
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	return v
}

// sameOrigin refuses a request a browser sent from another origin: by
// Sec-Fetch-Site, else by Origin. A sibling site (same site, another
// origin) can plant its own CSRF cookie, and a page with no referrer
// posts with Origin: null; both are refused.
var sameOrigin = http.NewCrossOriginProtection()

// validCSRF reports whether the form's value matches the cookie and the
// request comes from this origin.
func validCSRF(r *http.Request, formValue string) bool {
	if sameOrigin.Check(r) != nil {
		return false
	}
	ck, err := r.Cookie(csrfCookie)
	return err == nil && len(ck.Value) == 64 && subtle.ConstantTimeCompare([]byte(ck.Value), []byte(formValue)) == 1
}

// token returns the bearer token the visitor signed in with; empty if none.
func token(r *http.Request) string {
	if ck, err := r.Cookie(tokenCookie); err == nil {
		return ck.Value
	}
	return ""
}

// signedIn reports whether the visitor signed in. The token is checked by
// the server at each write, not at each page: a page view never counts
// as a failed attempt against the visitor's address.
func (c *Console) signedIn(r *http.Request) bool { return token(r) != "" }

// write wraps a form's handler: the form must carry the CSRF value and the
// visitor must have signed in; the form is parsed. The server checks what
// the token may do when the handler makes the write through the API.
func (c *Console) write(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := langOf(r)
		if err := r.ParseForm(); err != nil {
			c.problem(w, r, http.StatusBadRequest, tr(lang, "Biểu mẫu không đọc được: ", "The form cannot be read: ")+err.Error())
			return
		}
		if !c.authorized(w, r, r.PostForm.Get(csrfField)) {
			return
		}
		h(w, r)
	}
}

// authorized checks the CSRF value and that the visitor signed in,
// answering the refusal itself.
func (c *Console) authorized(w http.ResponseWriter, r *http.Request, csrfValue string) bool {
	lang := langOf(r)
	if !validCSRF(r, csrfValue) {
		c.problem(w, r, http.StatusForbidden, tr(lang,
			"Biểu mẫu đã hết hạn hoặc không gửi từ trang này (CSRF). Hãy tải lại trang rồi thử lại; không có gì thay đổi.",
			"The form is stale or was not sent from this site (CSRF). Reload the page and try again; nothing changed."))
		return false
	}
	if token(r) == "" {
		c.problem(w, r, http.StatusUnauthorized, tr(lang,
			"Cần đăng nhập bằng một mã truy cập được phép làm việc này; không có gì thay đổi.",
			"Sign in with a token allowed to do this; nothing changed."))
		return false
	}
	return true
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "signin", tr(langOf(r), "Đăng nhập", "Sign in"), "signin",
		signinView{Back: localPath(r.URL.Query().Get("back"))})
}

type signinView struct {
	Back  string
	Error string
}

func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	if err := r.ParseForm(); err != nil || !validCSRF(r, r.PostForm.Get(csrfField)) {
		c.problem(w, r, http.StatusForbidden, tr(lang,
			"Biểu mẫu đã hết hạn hoặc không gửi từ trang này (CSRF). Hãy tải lại trang đăng nhập.",
			"The form is stale or was not sent from this site (CSRF). Reload the sign-in page."))
		return
	}
	t, back := strings.TrimSpace(r.PostForm.Get("token")), localPath(r.PostForm.Get("back"))
	if _, err := c.deps.SignIn(r.RemoteAddr, t); err != nil {
		code := http.StatusUnauthorized
		var ae *server.AccessError
		if errors.As(err, &ae) {
			code = ae.Status
		}
		c.render(w, r, code, "signin", tr(lang, "Đăng nhập", "Sign in"), "signin",
			signinView{Back: back, Error: tr(lang, "Không đăng nhập được: ", "Cannot sign in: ") + err.Error()})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: t, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !validCSRF(r, r.PostForm.Get(csrfField)) {
		c.problem(w, r, http.StatusForbidden, tr(langOf(r), "Biểu mẫu không hợp lệ (CSRF).", "The form is not valid (CSRF)."))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(r)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
