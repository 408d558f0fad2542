package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/periodic-go/periodic"
)

// Store is a periodic.Store backed by Redis: one hash and one list per
// job, whatever the number of its runs, and each write one Lua script,
// atomic on the node that owns the job's keys. Pass it to periodic.New
// with periodic.WithStore on every replica.
//
// A Store is safe for use by several goroutines and holds no goroutine of
// its own. The zero value is not usable: create Stores with New.
type Store struct {
	client redis.UniversalClient
	ns     string
}

var _ periodic.Store = (*Store)(nil)

// New returns a Store that keeps its state in the Redis reached by
// client, which the caller keeps owning (and closes after the schedulers
// have shut down), under keys that begin with namespace, which has no
// default: every replica passes the same one. Any client
// works: a *redis.Client, a *redis.ClusterClient (a job's keys share a
// hash slot) or a *redis.Ring. The server must be Redis 6.0 or later.
//
// New returns an error wrapping periodic.ErrInvalid, naming the bad
// value, for a nil client, an empty namespace, or a namespace with a
// '{' or '}' (which would put every job in one cluster slot). It does not
// contact Redis.
func New(client redis.UniversalClient, namespace string) (*Store, error) {
	switch {
	case isNil(client):
		return nil, fmt.Errorf("%w: redisstore.New: nil Redis client", periodic.ErrInvalid)
	case namespace == "":
		return nil, fmt.Errorf("%w: redisstore.New: empty namespace", periodic.ErrInvalid)
	case strings.ContainsAny(namespace, "{}"):
		return nil, fmt.Errorf("%w: redisstore.New: namespace %q has a hash-tag brace", periodic.ErrInvalid, namespace)
	}
	return &Store{client: client, ns: namespace}, nil
}

// isNil reports a nil client, including a typed nil of go-redis' clients.
func isNil(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case nil:
		return true
	case *redis.Client:
		return c == nil
	case *redis.ClusterClient:
		return c == nil
	case *redis.Ring:
		return c == nil
	}
	return false
}

// Key returns the key of job's state hash: "<namespace>:{<job>}". Its
// history list is Key(job)+":h", a backfill range's record
// Key(job)+":r:<from>:<to>" (Unix nanoseconds).
func (s *Store) Key(job string) string { return s.ns + ":{" + job + "}" }

// Claim decides c in one script call; see periodic.Store.
func (s *Store) Claim(ctx context.Context, c periodic.Claim) (periodic.Grant, error) {
	if err := c.Check(); err != nil {
		return periodic.Grant{}, err
	}
	if err := checkTimes(c.Job, c.Tick, c.Now); err != nil {
		return periodic.Grant{}, err
	}
	take := "0"
	if c.TakeOver {
		take = "1"
	}
	key := s.Key(c.Job)
	res, err := claimScript.Run(ctx, s.client, []string{key}, nanos(c.Tick), c.Token, c.Holder,
		nanos(c.Now), nanos(c.Now.Add(c.TTL)), int(c.Mode), c.Buffer, take).Slice()
	if err != nil {
		return periodic.Grant{}, fmt.Errorf("redisstore: claim %s: %w", key, err)
	}
	g := periodic.Grant{Status: periodic.ClaimStatus(toInt(res[0]))}
	if g.Status == periodic.StatusWon && len(res) == 3 {
		g.Tick = fromNanos(res[1])
		g.TakeOver = toInt(res[2]) == 1
		g.Lease = periodic.LeaseRef{Job: c.Job, Tick: g.Tick, Token: c.Token}
	}
	return g, nil
}

// Renew extends l's lease in one script call.
func (s *Store) Renew(ctx context.Context, l periodic.LeaseRef, now time.Time, ttl time.Duration) (bool, error) {
	if err := l.Check(); err != nil {
		return false, err
	}
	key := s.Key(l.Job)
	n, err := renewScript.Run(ctx, s.client, []string{key}, l.Token, nanos(now.Add(ttl))).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: renew %s: %w", key, err)
	}
	return n == 1, nil
}

// Release records rec and frees or hands over l's lease in one script
// call.
func (s *Store) Release(ctx context.Context, l periodic.LeaseRef, rec periodic.RunRecord, keep int, next periodic.Claim) (periodic.Grant, error) {
	if err := l.Check(); err != nil {
		return periodic.Grant{}, err
	}
	key := s.Key(l.Job)
	failed := "0"
	if rec.Err != nil {
		failed = "1"
	}
	nextExp := ""
	if next.Token != "" {
		nextExp = nanos(next.Now.Add(next.TTL))
	}
	res, err := releaseScript.Run(ctx, s.client, []string{key, key + ":h"}, l.Token, encodeRecord(rec),
		keep, failed, next.Token, next.Holder, nextExp).Slice()
	if err != nil {
		return periodic.Grant{}, fmt.Errorf("redisstore: release %s: %w", key, err)
	}
	if toInt(res[0]) == 0 {
		return periodic.Grant{Status: periodic.StatusLost}, nil
	}
	g := periodic.Grant{Status: periodic.StatusWon}
	if len(res) == 2 {
		g.Tick = fromNanos(res[1])
		g.Lease = periodic.LeaseRef{Job: l.Job, Tick: g.Tick, Token: next.Token}
	}
	return g, nil
}

// keptRanges is how many backfill ranges the store keeps per job: the
// ones that end last.
const keptRanges = 100

// ClaimRange writes the range's record if it overlaps none of the job's
// kept ranges, in one script call.
func (s *Store) ClaimRange(ctx context.Context, job string, from, to time.Time, holder string) error {
	if err := periodic.CheckJob("redisstore.ClaimRange", job); err != nil {
		return err
	}
	if from.IsZero() || to.Before(from) {
		return fmt.Errorf("%w: redisstore.ClaimRange(%q): bad range %v..%v", periodic.ErrInvalid, job, from, to)
	}
	if holder == "" {
		holder = "?"
	}
	key := s.Key(job) + ":r"
	m, err := rangeScript.Run(ctx, s.client, []string{key}, nanos(from), nanos(to), holder,
		float64(to.Unix()), keptRanges).Text()
	if err != nil {
		return fmt.Errorf("redisstore: claim range %s: %w", key, err)
	}
	if m != "" {
		var by string
		var at [2]time.Time
		if len(m) > 42 {
			at[0], at[1], by = parseNanos(m[:20]), parseNanos(m[21:41]), m[42:]
		}
		return fmt.Errorf("%w: %s from %s to %s overlaps the range from %s to %s, by %s", periodic.ErrClaimed, job,
			from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano),
			at[0].UTC().Format(time.RFC3339Nano), at[1].UTC().Format(time.RFC3339Nano), by)
	}
	return nil
}

// SetPause writes the pause flag and reason, and on a resume moves the
// mark to at, in one script.
func (s *Store) SetPause(ctx context.Context, job string, paused bool, reason string, at time.Time) error {
	if err := periodic.CheckPause("redisstore.SetPause", job, paused, at); err != nil {
		return err
	}
	flag := ""
	if paused {
		flag = "1"
	} else {
		reason = ""
	}
	key := s.Key(job)
	if err := pauseScript.Run(ctx, s.client, []string{key}, flag, reason, nanos(at)).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: pause %s: %w", key, err)
	}
	return nil
}

// Load reads the job's hash and history in one MULTI/EXEC round trip.
func (s *Store) Load(ctx context.Context, job string) (periodic.JobState, error) {
	if err := periodic.CheckJob("redisstore.Load", job); err != nil {
		return periodic.JobState{}, err
	}
	key := s.Key(job)
	var h *redis.MapStringStringCmd
	var hist *redis.StringSliceCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, key)
		hist = p.LRange(ctx, key+":h", 0, -1)
		return nil
	})
	if err != nil {
		return periodic.JobState{}, fmt.Errorf("redisstore: load %s: %w", key, err)
	}
	return decodeState(h.Val(), hist.Val())
}

// decodeState builds a JobState from the hash and the history list.
func decodeState(h map[string]string, hist []string) (periodic.JobState, error) {
	var st periodic.JobState
	if len(h) == 0 && len(hist) == 0 {
		return st, nil
	}
	st.Mark = parseNanos(h["mark"])
	st.Paused, st.Reason = h["paused"] == "1", h["reason"]
	if h["lk"] != "" {
		st.Lease = periodic.LeaseInfo{Tick: parseNanos(h["lt"]), Token: h["lk"], Holder: h["lh"], Expires: parseNanos(h["le"])}
	}
	for p := range strings.SplitSeq(h["pend"], ",") {
		if p != "" {
			st.Pending = append(st.Pending, parseNanos(p))
		}
	}
	st.Counts = periodic.StoreCounts{Runs: atoi(h["runs"]), Successes: atoi(h["ok"]), Failures: atoi(h["fail"]), Skips: atoi(h["skips"])}
	for _, r := range hist {
		rec, err := decodeRecord(r)
		if err != nil {
			return st, err
		}
		st.History = append(st.History, rec)
	}
	return st, nil
}

// encodeRecord writes rec as "tick,start,end,error".
func encodeRecord(rec periodic.RunRecord) string {
	msg := ""
	if rec.Err != nil {
		msg = "!" + rec.Err.Error()
	}
	return nanos(rec.Tick) + "," + nanos(rec.Start) + "," + nanos(rec.End) + "," + msg
}

// decodeRecord reads what encodeRecord wrote.
func decodeRecord(s string) (periodic.RunRecord, error) {
	f := strings.SplitN(s, ",", 4)
	if len(f) != 4 {
		return periodic.RunRecord{}, fmt.Errorf("redisstore: bad history record %q", s)
	}
	rec := periodic.RunRecord{Tick: parseNanos(f[0]), Start: parseNanos(f[1]), End: parseNanos(f[2])}
	if msg, ok := strings.CutPrefix(f[3], "!"); ok {
		rec.Err = errors.New(msg)
	}
	return rec, nil
}

// checkTimes refuses instants before 1970, which the padded encoding
// cannot order.
func checkTimes(job string, ts ...time.Time) error {
	for _, t := range ts {
		if t.UnixNano() < 0 {
			return fmt.Errorf("%w: redisstore: job %q: time %v is before 1970", periodic.ErrInvalid, job, t)
		}
	}
	return nil
}

// nanos writes t as 20-digit zero-padded Unix nanoseconds.
func nanos(t time.Time) string { return fmt.Sprintf("%020d", t.UnixNano()) }

// parseNanos reads what nanos wrote; "" is the zero time.
func parseNanos(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s == "" {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// fromNanos reads a script's reply value written by nanos.
func fromNanos(v any) time.Time {
	s, _ := v.(string)
	return parseNanos(s)
}

// toInt reads a script's integer reply value.
func toInt(v any) int64 {
	n, _ := v.(int64)
	return n
}

// atoi reads a counter; "" is 0.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
