package periodic

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
)

// pauseStore is a Store that records SetPause calls and fails the first
// failPauses of them; no tick is claimed in the test that uses it.
type pauseStore struct {
	mu         sync.Mutex
	failPauses int
	pauses     []bool
}

func (p *pauseStore) Claim(context.Context, Claim) (Grant, error) {
	return Grant{}, errors.New("pauseStore: no claim expected")
}
func (p *pauseStore) Renew(context.Context, LeaseRef, time.Time, time.Duration) (bool, error) {
	return false, nil
}
func (p *pauseStore) Release(context.Context, LeaseRef, RunRecord, int, Claim) (Grant, error) {
	return Grant{}, nil
}
func (p *pauseStore) ClaimRange(context.Context, string, time.Time, time.Time, string) error {
	return nil
}
func (p *pauseStore) Load(context.Context, string) (JobState, error) { return JobState{}, nil }
func (p *pauseStore) SetPause(_ context.Context, _ string, paused bool, _ string, _ time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failPauses > 0 {
		p.failPauses--
		return errors.New("pauseStore: unreachable")
	}
	p.pauses = append(p.pauses, paused)
	return nil
}

// TestIntentResumeLeavesTheStoreAlone: a Resume while the releaser holds
// the tick of a job paused on this replica only (the store was down for
// its Pause) tells the store at once and leaves an intent; a Pause the
// store takes before handBack applies the intent stands in the store:
// the intent does not tell the store to resume again.
func TestIntentResumeLeavesTheStoreAlone(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := clock.NewMock()
	m.Set(t0)
	st := &pauseStore{failPauses: 1}
	s := New(WithClock(m), WithLocation(time.UTC), WithLogger(slog.New(slog.DiscardHandler)), WithStore(st))
	j, err := Schedule(s, Every(time.Second), func(context.Context) (int, error) { return 0, nil }, WithName("j"))
	require.NoError(t, err)
	s.Start()

	s.mu.Lock()
	e := s.popLocked() // the releaser holds the tick
	s.mu.Unlock()
	j.Pause() // the store is down: paused on this replica
	j.Resume()
	s.mu.Lock() // handBack's critical section
	require.True(t, j.resumeWanted, "the Resume left an intent")
	j.tick.index, j.tick.when = -1, e.when
	j.resumeWanted = false
	seen := j.pauses
	s.mu.Unlock()
	j.Pause() // the store is up: paused for every replica
	j.resume(true, seen)

	st.mu.Lock()
	require.Equal(t, []bool{false, true}, st.pauses, "the Resume, then the Pause; the intent tells the store nothing")
	st.mu.Unlock()
	require.True(t, j.Paused(), "the later Pause stands")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.Shutdown(ctx)
	<-s.Done()
}
