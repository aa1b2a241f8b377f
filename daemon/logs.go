package daemon

import (
	"context"
	"log/slog"
)

// schedulerLogger hands gocron's own messages to the daemon's log: its
// chatter (job added, scheduler started, stopped) at debug, so that an info
// log says what chiso did, and its warnings and errors as they are.
type schedulerLogger struct{ log *slog.Logger }

func (l schedulerLogger) Debug(msg string, args ...any) { l.at(slog.LevelDebug, msg, args) }
func (l schedulerLogger) Info(msg string, args ...any)  { l.at(slog.LevelDebug, msg, args) }
func (l schedulerLogger) Warn(msg string, args ...any)  { l.at(slog.LevelWarn, msg, args) }
func (l schedulerLogger) Error(msg string, args ...any) { l.at(slog.LevelError, msg, args) }

func (l schedulerLogger) at(level slog.Level, msg string, args []any) {
	l.log.Log(context.Background(), level, "scheduler: "+msg, args...)
}
