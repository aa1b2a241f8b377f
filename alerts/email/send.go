package email

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/chiso-vn/chiso/alerts"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// deliver runs one SMTP transaction for msg. It drives the envelope itself
// rather than through go-mail's Send, for two reasons: a recipient the
// server refuses (a mistyped cc) must not stop the message reaching the
// others, and cancelling ctx must end a conversation in progress, not only
// the connect.
func (e *Notifier) deliver(ctx context.Context, c *mail.Client, msg *mail.Msg, rcpts []string, timeout time.Duration) error {
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classify(fmt.Errorf("connect: %w", err))
	}
	// Text.Close closes the connection at once; Client.Close would wait
	// for the command in progress.
	stop := context.AfterFunc(ctx, func() { _ = sc.Text.Close() })
	defer func() {
		if stop() {
			_ = c.CloseWithSMTPClient(sc)
		}
	}()
	if err := sc.Mail(e.sender); err != nil {
		return classify(ctxErr(ctx, fmt.Errorf("MAIL FROM: %w", err)))
	}
	refused := rcptAll(sc, rcpts)
	if len(refused) == len(rcpts) {
		_ = sc.Reset()
		return classifyAll(refused)
	}
	if err := sc.UpdateDeadline(timeout); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	if err := data(sc, msg); err != nil {
		return classify(ctxErr(ctx, err))
	}
	if len(refused) > 0 {
		// Retrying would send the message again to everyone who got it.
		return alerts.Permanent(fmt.Errorf("delivered to %d of %d recipients; refused: %w",
			len(rcpts)-len(refused), len(rcpts), errors.Join(refused...)))
	}
	return nil
}

// rcptAll offers every recipient and returns the refusals.
func rcptAll(sc *smtp.Client, rcpts []string) []error {
	var refused []error
	for _, r := range rcpts {
		if err := sc.Rcpt(r); err != nil {
			refused = append(refused, fmt.Errorf("RCPT TO %s: %w", r, err))
		}
	}
	return refused
}

// data sends the message; the server's answer to its end is the verdict.
func data(sc *smtp.Client, msg *mail.Msg) error {
	w, err := sc.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		_ = w.Close()
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return nil
}

// ctxErr names the context's end as the cause when it ended, since a
// closed connection then says little.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

// classify marks err permanent when the server refused with a 5xx reply
// (at greeting, authentication, MAIL, RCPT or DATA); everything else (4xx,
// network, time-out, TLS) is retried.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return alerts.Permanent(err)
	}
	return err
}

// classifyAll is classify for the refusals of every recipient: permanent
// only if every refusal was.
func classifyAll(errs []error) error {
	err := fmt.Errorf("every recipient refused: %w", errors.Join(errs...))
	for _, e := range errs {
		if !alerts.IsPermanent(classify(e)) {
			return fmt.Errorf("every recipient refused: %s", joinText(errs))
		}
	}
	return alerts.Permanent(err)
}

// joinText writes errors on one line without wrapping them, so that a
// permanent refusal among temporary ones does not mark the whole.
func joinText(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}
