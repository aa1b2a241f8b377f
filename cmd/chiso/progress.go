package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// progress reports how far an import has read its file: a bar redrawn in
// place when standard error is a terminal, nothing otherwise (the summary
// line is the plain output).
type progress struct {
	w     io.Writer
	f     *os.File
	name  string
	size  int64
	read  atomic.Int64
	stop  chan struct{}
	ended chan struct{}
	once  bool
}

func newProgress(w io.Writer, f *os.File, name string) *progress {
	p := &progress{w: w, f: f, name: name}
	st, err := f.Stat()
	if err != nil || !isTerminal(w) {
		return p
	}
	p.size = st.Size()
	p.stop, p.ended = make(chan struct{}), make(chan struct{})
	go p.draw()
	return p
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// reader returns the file, counting the bytes read.
func (p *progress) reader() io.Reader { return countingReader{p.f, &p.read} }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (p *progress) draw() {
	defer close(p.ended)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			fmt.Fprintf(p.w, "\r\033[K")
			return
		case <-tick.C:
			p.line()
		}
	}
}

func (p *progress) line() {
	frac := 1.0
	if p.size > 0 {
		frac = min(float64(p.read.Load())/float64(p.size), 1)
	}
	const width = 30
	full := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < full {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% of %.1f MB", p.name, bar, frac*100, float64(p.size)/1e6)
}

// done stops the bar and clears its line; it may be called more than once.
func (p *progress) done() {
	if p.stop == nil || p.once {
		return
	}
	p.once = true
	close(p.stop)
	<-p.ended
}
