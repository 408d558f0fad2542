package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/periodic-go/periodic"
)

// Store is a periodic.Store backed by PostgreSQL through a pgx pool: one
// row per job in periodic_jobs (plus at most WithHistory rows of history
// and one row per backfill range), each claim one upsert statement. Pass
// it to periodic.New with periodic.WithStore on every replica.
//
// A Store is safe for use by several goroutines and holds no goroutine of
// its own. The zero value is not usable: create Stores with New.
type Store struct {
	pool *pgxpool.Pool
	ns   string
}

var _ periodic.Store = (*Store)(nil)

// New returns a Store that keeps its state in the database of pool,
// which the caller keeps owning (and closes after the schedulers have
// shut down), in rows of the namespace ns, so that several applications
// can share the tables. Call Migrate once to create the tables.
//
// New returns an error wrapping periodic.ErrInvalid, naming the bad
// value, for a nil pool or an empty namespace. It does not contact the
// database.
func New(pool *pgxpool.Pool, ns string) (*Store, error) {
	switch {
	case pool == nil:
		return nil, fmt.Errorf("%w: pgstore.New: nil pool", periodic.ErrInvalid)
	case ns == "":
		return nil, fmt.Errorf("%w: pgstore.New: empty namespace", periodic.ErrInvalid)
	}
	return &Store{pool: pool, ns: ns}, nil
}

// Migrate creates the store's tables (periodic_jobs, periodic_history,
// periodic_ranges) in the first schema of the search path, if they do not
// exist yet. It is safe to call on every start.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, schema); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}

// Claim decides c in one statement; see periodic.Store.
func (s *Store) Claim(ctx context.Context, c periodic.Claim) (periodic.Grant, error) {
	if err := c.Check(); err != nil {
		return periodic.Grant{}, err
	}
	var out byte
	var tick *int64
	err := s.pool.QueryRow(ctx, claimSQL, s.ns, c.Job, c.Tick.UnixNano(), c.Token, c.Holder,
		c.Now.UnixNano(), c.Now.Add(c.TTL).UnixNano(), int(c.Mode), c.Buffer, c.TakeOver).Scan(&out, &tick)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return periodic.Grant{Status: periodic.StatusLost}, nil
	case err != nil:
		return periodic.Grant{}, fmt.Errorf("pgstore: claim %q: %w", c.Job, err)
	}
	g := periodic.Grant{Status: outcome(out)}
	if g.Status == periodic.StatusWon {
		g.Tick = fromNanos(tick)
		g.TakeOver = out == 'T'
		g.Lease = periodic.LeaseRef{Job: c.Job, Tick: g.Tick, Token: c.Token}
	}
	return g, nil
}

// outcome maps the outcome column to a status.
func outcome(b byte) periodic.ClaimStatus {
	switch b {
	case 'W', 'T', 'H':
		return periodic.StatusWon
	case 'S':
		return periodic.StatusSkipped
	case 'Q':
		return periodic.StatusQueued
	case 'P':
		return periodic.StatusPaused
	}
	return periodic.StatusLost
}

// Renew extends l's lease in one statement.
func (s *Store) Renew(ctx context.Context, l periodic.LeaseRef, now time.Time, ttl time.Duration) (bool, error) {
	if err := l.Check(); err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, renewSQL, s.ns, l.Job, l.Token, now.Add(ttl).UnixNano())
	if err != nil {
		return false, fmt.Errorf("pgstore: renew %q: %w", l.Job, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release records rec and frees or hands over l's lease in one
// statement.
func (s *Store) Release(ctx context.Context, l periodic.LeaseRef, rec periodic.RunRecord, keep int, next periodic.Claim) (periodic.Grant, error) {
	if err := l.Check(); err != nil {
		return periodic.Grant{}, err
	}
	failed, msg := 0, (*string)(nil)
	if rec.Err != nil {
		failed, msg = 1, ptr(rec.Err.Error())
	}
	var out byte
	var tick *int64
	var token *string
	err := s.pool.QueryRow(ctx, releaseSQL, s.ns, l.Job, l.Token, failed, next.Token, next.Holder,
		next.Now.Add(next.TTL).UnixNano(), max(keep, 0), rec.Tick.UnixNano(), rec.Start.UnixNano(),
		rec.End.UnixNano(), msg).Scan(&out, &tick, &token)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return periodic.Grant{Status: periodic.StatusLost}, nil
	case err != nil:
		return periodic.Grant{}, fmt.Errorf("pgstore: release %q: %w", l.Job, err)
	case out != 'W':
		return periodic.Grant{Status: periodic.StatusLost}, nil
	}
	g := periodic.Grant{Status: periodic.StatusWon}
	if token != nil && next.Token != "" && *token == next.Token {
		g.Tick = fromNanos(tick)
		g.Lease = periodic.LeaseRef{Job: l.Job, Tick: g.Tick, Token: next.Token}
	}
	return g, nil
}

// keptRanges is how many backfill ranges the store keeps per job: the
// ones that end last.
const keptRanges = 100

// ClaimRange inserts the range's row if it overlaps none of the job's
// kept ranges, in one transaction.
func (s *Store) ClaimRange(ctx context.Context, job string, from, to time.Time, holder string) error {
	if err := periodic.CheckJob("pgstore.ClaimRange", job); err != nil {
		return err
	}
	if from.IsZero() || to.Before(from) {
		return fmt.Errorf("%w: pgstore.ClaimRange(%q): bad range %v..%v", periodic.ErrInvalid, job, from, to)
	}
	var taken error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, rangeLockSQL, s.ns, job); err != nil {
			return err
		}
		var f, t int64
		var by string
		err := tx.QueryRow(ctx, rangeOverlapSQL, s.ns, job, from.UnixNano(), to.UnixNano()).Scan(&f, &t, &by)
		if err == nil {
			taken = fmt.Errorf("%w: %s from %s to %s overlaps the range from %s to %s, by %s", periodic.ErrClaimed, job,
				from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano),
				time.Unix(0, f).UTC().Format(time.RFC3339Nano), time.Unix(0, t).UTC().Format(time.RFC3339Nano), by)
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, rangeSQL, s.ns, job, from.UnixNano(), to.UnixNano(), holder); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, rangeTrimSQL, s.ns, job, keptRanges)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: claim range of %q: %w", job, err)
	}
	return taken
}

// SetPause upserts the pause flag and reason, and on a resume moves the
// mark to at.
func (s *Store) SetPause(ctx context.Context, job string, paused bool, reason string, at time.Time) error {
	if err := periodic.CheckPause("pgstore.SetPause", job, paused, at); err != nil {
		return err
	}
	if !paused {
		reason = ""
	}
	if _, err := s.pool.Exec(ctx, pauseSQL, s.ns, job, paused, reason, at.UnixNano()); err != nil {
		return fmt.Errorf("pgstore: pause %q: %w", job, err)
	}
	return nil
}

// Load reads the job's row and history in one round trip.
func (s *Store) Load(ctx context.Context, job string) (periodic.JobState, error) {
	if err := periodic.CheckJob("pgstore.Load", job); err != nil {
		return periodic.JobState{}, err
	}
	var st periodic.JobState
	b := &pgx.Batch{}
	b.Queue(loadJobSQL, s.ns, job).QueryRow(func(row pgx.Row) error {
		var mark, lt, le *int64
		var lk, lh *string
		var pend []int64
		var c [4]int64
		err := row.Scan(&mark, &st.Paused, &st.Reason, &lt, &lk, &lh, &le, &pend, &c[0], &c[1], &c[2], &c[3])
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		st.Mark = fromNanos(mark)
		if lk != nil {
			st.Lease = periodic.LeaseInfo{Tick: fromNanos(lt), Token: *lk, Holder: deref(lh), Expires: fromNanos(le)}
		}
		for _, p := range pend {
			st.Pending = append(st.Pending, fromNanos(&p))
		}
		st.Counts = periodic.StoreCounts{Runs: int(c[0]), Successes: int(c[1]), Failures: int(c[2]), Skips: int(c[3])}
		return err
	})
	b.Queue(loadHistorySQL, s.ns, job).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var t, st0, en int64
			var msg *string
			if err := rows.Scan(&t, &st0, &en, &msg); err != nil {
				return err
			}
			rec := periodic.RunRecord{Tick: fromNanos(&t), Start: fromNanos(&st0), End: fromNanos(&en)}
			if msg != nil {
				rec.Err = errors.New(*msg)
			}
			st.History = append(st.History, rec)
		}
		return rows.Err()
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return periodic.JobState{}, fmt.Errorf("pgstore: load %q: %w", job, err)
	}
	return st, nil
}

// fromNanos reads a nullable Unix-nanosecond column; NULL is zero.
func fromNanos(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// ptr returns a pointer to v.
func ptr[V any](v V) *V { return &v }

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
