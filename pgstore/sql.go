package pgstore

import "strings"

// schema creates the store's three tables. Instants are Unix nanoseconds
// in bigint columns: timestamptz keeps microseconds only, and the mark
// must compare ticks exactly. A job has one row in periodic_jobs, at most
// keep rows in periodic_history, and one row in periodic_ranges per
// backfill, up to the 100 that end last.
const schema = `
CREATE TABLE IF NOT EXISTS periodic_jobs (
	ns            text     NOT NULL,
	job           text     NOT NULL,
	mark          bigint,
	paused        boolean  NOT NULL DEFAULT false,
	reason        text     NOT NULL DEFAULT '',
	lease_tick    bigint,
	lease_token   text,
	lease_holder  text,
	lease_expires bigint,
	pending       bigint[] NOT NULL DEFAULT '{}',
	runs          bigint   NOT NULL DEFAULT 0,
	successes     bigint   NOT NULL DEFAULT 0,
	failures      bigint   NOT NULL DEFAULT 0,
	skips         bigint   NOT NULL DEFAULT 0,
	hist_seq      bigint   NOT NULL DEFAULT 0,
	outcome       "char"   NOT NULL DEFAULT 'W',
	PRIMARY KEY (ns, job)
);
CREATE TABLE IF NOT EXISTS periodic_history (
	ns      text   NOT NULL,
	job     text   NOT NULL,
	seq     bigint NOT NULL,
	tick    bigint NOT NULL,
	started bigint NOT NULL,
	ended   bigint NOT NULL,
	err     text,
	PRIMARY KEY (ns, job, seq)
);
CREATE TABLE IF NOT EXISTS periodic_ranges (
	ns        text   NOT NULL,
	job       text   NOT NULL,
	from_tick bigint NOT NULL,
	to_tick   bigint NOT NULL,
	holder    text   NOT NULL,
	PRIMARY KEY (ns, job, from_tick, to_tick)
);`

// claimSQL decides a claim in one statement: an upsert whose WHERE is
// the fencing mark and the pause flag, so that a lost claim writes
// nothing; the outcome column carries the status of a claim that won the
// row (W won, T takeover, H handed the oldest pending tick that a
// releasing replica left, S skipped, Q queued), and the trailing SELECT
// tells a paused job (P) from a lost claim (no row, or L). The row lock
// taken by ON CONFLICT serialises claims of one job, and the WHERE and
// the SET are evaluated on the latest version of the row.
//
// $1 ns, $2 job, $3 tick, $4 token, $5 holder, $6 now, $7 expires,
// $8 mode (0 allow, 1 skip, 2 queue, 3 replace), $9 buffer, $10 takeover.
var claimSQL = expand(`
WITH up AS (
	INSERT INTO periodic_jobs AS j (ns, job, mark, lease_tick, lease_token, lease_holder, lease_expires, outcome)
	VALUES ($1, $2, $3, $3, $4, $5, $7, 'W')
	ON CONFLICT (ns, job) DO UPDATE SET
		mark          = $3,
		lease_tick    = CASE {st} WHEN 'W' THEN $3 WHEN 'H' THEN j.pending[1] ELSE j.lease_tick END,
		lease_token   = CASE WHEN {st} IN ('W', 'T', 'H') THEN $4::text ELSE j.lease_token END,
		lease_holder  = CASE WHEN {st} IN ('W', 'T', 'H') THEN $5::text ELSE j.lease_holder END,
		lease_expires = CASE WHEN {st} IN ('W', 'T', 'H') THEN $7::bigint ELSE j.lease_expires END,
		pending       = CASE WHEN {st} IN ('T', 'Q') THEN j.pending || $3::bigint
		                     WHEN {st} = 'H' THEN j.pending[2:] || $3::bigint
		                     WHEN {st} = 'W' AND NOT ({live} AND $8 = 0) THEN '{}'::bigint[]
		                     ELSE j.pending END,
		skips         = j.skips + CASE WHEN {st} = 'S' THEN 1
		                     WHEN {st} = 'W' AND NOT ({live} AND $8 = 0) THEN cardinality(j.pending)
		                     ELSE 0 END,
		outcome       = {st}
	WHERE NOT j.paused AND (j.mark IS NULL OR j.mark < $3)
	RETURNING j.outcome, j.lease_tick
)
SELECT outcome, lease_tick FROM up
UNION ALL
SELECT CASE WHEN paused THEN 'P'::"char" ELSE 'L'::"char" END, NULL::bigint
FROM periodic_jobs WHERE ns = $1 AND job = $2 AND NOT EXISTS (SELECT 1 FROM up)`)

// expand writes the claim's status expression, {st}, and its liveness
// test, {live}, into q; both read the row as it was before the claim.
func expand(q string) string {
	live := `(j.lease_token IS NOT NULL AND j.lease_expires > $6)`
	st := `(CASE WHEN j.lease_token IS NULL AND cardinality(j.pending) > 0 THEN 'H'
		WHEN j.lease_token IS NOT NULL AND j.lease_expires <= $6 AND $10 THEN 'T'
		WHEN ` + live + ` AND $8 = 1 THEN 'S'
		WHEN ` + live + ` AND $8 = 2 AND cardinality(j.pending) >= $9 THEN 'S'
		WHEN ` + live + ` AND $8 = 2 THEN 'Q'
		ELSE 'W' END)::"char"`
	return strings.NewReplacer("{st}", st, "{live}", live).Replace(q)
}

// renewSQL: $1 ns, $2 job, $3 token, $4 expires.
const renewSQL = `UPDATE periodic_jobs SET lease_expires = $4 WHERE ns = $1 AND job = $2 AND lease_token = $3`

// releaseSQL counts the run, appends its record to the history and trims
// it to keep rows, and frees the lease or hands the oldest pending tick
// over, in one statement. outcome becomes W when the lease was the
// caller's, L otherwise.
//
// $1 ns, $2 job, $3 token, $4 failed (0/1), $5 next token (” for none),
// $6 next holder, $7 next expires, $8 keep, $9 tick, $10 start, $11 end,
// $12 error text (NULL on success).
const releaseSQL = `
WITH j AS (
	UPDATE periodic_jobs SET
		runs = runs + 1, successes = successes + 1 - $4::bigint, failures = failures + $4::bigint,
		hist_seq = hist_seq + 1,
		lease_tick = CASE WHEN lease_token = $3 AND cardinality(pending) > 0 AND $5 <> '' THEN pending[1]
		                  WHEN lease_token = $3 THEN NULL ELSE lease_tick END,
		lease_token = CASE WHEN lease_token = $3 AND cardinality(pending) > 0 AND $5 <> '' THEN $5::text
		                  WHEN lease_token = $3 THEN NULL ELSE lease_token END,
		lease_holder = CASE WHEN lease_token = $3 AND cardinality(pending) > 0 AND $5 <> '' THEN $6::text
		                  WHEN lease_token = $3 THEN NULL ELSE lease_holder END,
		lease_expires = CASE WHEN lease_token = $3 AND cardinality(pending) > 0 AND $5 <> '' THEN $7::bigint
		                  WHEN lease_token = $3 THEN NULL ELSE lease_expires END,
		pending = CASE WHEN lease_token = $3 AND cardinality(pending) > 0 AND $5 <> '' THEN pending[2:]
		               ELSE pending END,
		outcome = CASE WHEN lease_token = $3 THEN 'W' ELSE 'L' END::"char"
	WHERE ns = $1 AND job = $2
	RETURNING hist_seq, outcome, lease_tick, lease_token
), h AS (
	INSERT INTO periodic_history (ns, job, seq, tick, started, ended, err)
	SELECT $1, $2, hist_seq, $9, $10, $11, $12 FROM j WHERE $8 > 0
), d AS (
	DELETE FROM periodic_history
	WHERE ns = $1 AND job = $2 AND seq <= (SELECT hist_seq FROM j) - $8
)
SELECT outcome, lease_tick, lease_token FROM j`

// The statements of ClaimRange, one transaction: rangeLockSQL serialises
// the range claims of one job, rangeOverlapSQL finds a kept range that
// overlaps the claimed one, rangeSQL claims it, rangeTrimSQL keeps the
// ranges that end last. $1 ns, $2 job, $3 from (rangeTrimSQL: how many
// to keep), $4 to, $5 holder.
const (
	rangeLockSQL    = `SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))`
	rangeOverlapSQL = `SELECT from_tick, to_tick, holder FROM periodic_ranges
	WHERE ns = $1 AND job = $2 AND from_tick <= $4 AND to_tick >= $3 LIMIT 1`
	rangeSQL     = `INSERT INTO periodic_ranges (ns, job, from_tick, to_tick, holder) VALUES ($1, $2, $3, $4, $5)`
	rangeTrimSQL = `DELETE FROM periodic_ranges WHERE ns = $1 AND job = $2 AND (from_tick, to_tick) NOT IN
	(SELECT from_tick, to_tick FROM periodic_ranges WHERE ns = $1 AND job = $2 ORDER BY to_tick DESC LIMIT $3)`
)

// pauseSQL: $1 ns, $2 job, $3 paused, $4 reason, $5 at. A resume of a
// paused job moves the mark to at when at is after it.
const pauseSQL = `INSERT INTO periodic_jobs AS j (ns, job, paused, reason, mark)
VALUES ($1, $2, $3, $4, NULL)
ON CONFLICT (ns, job) DO UPDATE SET paused = $3, reason = $4,
	mark = CASE WHEN NOT $3 AND j.paused AND (j.mark IS NULL OR j.mark < $5::bigint) THEN $5::bigint ELSE j.mark END`

// loadJobSQL and loadHistorySQL read a job's state.
const (
	loadJobSQL = `SELECT mark, paused, reason, lease_tick, lease_token, lease_holder, lease_expires, pending,
	runs, successes, failures, skips FROM periodic_jobs WHERE ns = $1 AND job = $2`
	loadHistorySQL = `SELECT tick, started, ended, err FROM periodic_history WHERE ns = $1 AND job = $2 ORDER BY seq`
)
