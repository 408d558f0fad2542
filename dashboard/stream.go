package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// event renders one server-sent event from a snapshot: its name and data.
type event func(Snapshot) (name string, data []byte, err error)

// pageEvent is the page's event "jobs": the HTML of its job list.
func pageEvent(snap Snapshot) (string, []byte, error) {
	var html bytes.Buffer
	if err := templates.ExecuteTemplate(&html, "jobs", snap); err != nil {
		return "", nil, err
	}
	// A CR ends a line in an event stream too; as a character reference it
	// means the same to the page and cannot split the event.
	return "jobs", bytes.ReplaceAll(html.Bytes(), []byte("\r"), []byte("&#13;")), nil
}

// jsonEvent is the API's event "snapshot": the Snapshot as JSON, on one
// line (encoding/json escapes control characters in strings).
func jsonEvent(snap Snapshot) (string, []byte, error) {
	data, err := json.Marshal(snap)
	return "snapshot", data, err
}

// servePageEvents streams the page's events.
func (h *Handler) servePageEvents(w http.ResponseWriter, r *http.Request) {
	h.serveEvents(w, r, pageEvent)
}

// serveJSONEvents streams the API's events.
func (h *Handler) serveJSONEvents(w http.ResponseWriter, r *http.Request) {
	h.serveEvents(w, r, jsonEvent)
}

// serveEvents streams snapshots as server-sent events rendered by render:
// at once, on every change (at most one per minGap) and every refresh. It
// returns when the client goes away, a write fails, or Close is called.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request, render event) {
	if !h.enter() {
		writeError(w, http.StatusServiceUnavailable, "closed")
		return
	}
	defer h.streams.Done()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives a server's WriteTimeout
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	writable := h.writable(r)
	var tick <-chan time.Time
	if h.cfg.refresh > 0 {
		t := h.s.Clock().Ticker(h.cfg.refresh)
		defer t.Stop()
		tick = t.C
	}
	changed, unsubscribe := h.rec.subscribe()
	defer unsubscribe()
	ctx := r.Context()
	for {
		if err := h.push(w, rc, render, h.rec.currentVersion(), writable); err != nil {
			return
		}
		sent := h.s.Now()
		select {
		case <-changed:
		case <-tick:
		case <-ctx.Done():
			return
		case <-h.done:
			return
		}
		if !h.holdOff(ctx, sent) {
			return
		}
	}
}

// push renders a snapshot and sends it as one event.
func (h *Handler) push(w http.ResponseWriter, rc *http.ResponseController, render event, version uint64, writable bool) error {
	name, data, err := render(h.snapshot(writable))
	if err != nil {
		return err
	}
	var ev bytes.Buffer
	ev.WriteString("event: " + name + "\nid: " + strconv.FormatUint(version, 10) + "\n")
	for _, line := range bytes.Split(data, []byte("\n")) {
		ev.WriteString("data: ")
		ev.Write(line)
		ev.WriteByte('\n')
	}
	ev.WriteByte('\n')
	if _, err := w.Write(ev.Bytes()); err != nil {
		return err
	}
	return rc.Flush()
}

// holdOff waits until minGap has passed since sent, on the scheduler's
// clock; it reports false when the stream must end instead.
func (h *Handler) holdOff(ctx context.Context, sent time.Time) bool {
	wait := h.cfg.minGap - h.s.Now().Sub(sent)
	if wait <= 0 {
		return true
	}
	t := h.s.Clock().Timer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-h.done:
		return false
	}
}
