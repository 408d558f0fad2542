package periodic

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// cronField describes one field of a cron expression.
type cronField struct {
	name     string
	min, max int      // the numbers the field accepts
	top      int      // where "*" and "N/S" end
	names    []string // names[i] names the value min+i
}

// cronFields holds the parsed fields as bit sets: bit v is set when the
// value v matches.
type cronFields struct {
	sec, min, hour uint64
	month          uint64 // bits 1-12
	dom            uint64 // bits 1-31
	domLast        uint64 // bit k: the k-th day before the last ("L-k")
	domNear        uint64 // bit d: the weekday nearest to day d ("dW")
	domLastNear    uint64 // bit k: the weekday nearest to the k-th day before the last ("L-kW", "LW")
	dow            uint64 // bits 0-6, 0 is Sunday
	dowNth         uint64 // bit 8*wd+k: the k-th weekday wd ("wd#k")
	dowLast        uint64 // bit wd: the last weekday wd ("wdL")

	hourStar, domStar, dowStar bool

	// dowDays[w] has bit d set when day d of a month whose 1st is weekday
	// w matches dow or dowNth.
	dowDays [7]uint64
}

var (
	secondField = cronField{name: "second", max: 59, top: 59}
	minuteField = cronField{name: "minute", max: 59, top: 59}
	hourField   = cronField{name: "hour", max: 23, top: 23}
	domField    = cronField{name: "day-of-month", min: 1, max: 31, top: 31}
	monthField  = cronField{name: "month", min: 1, max: 12, top: 12, names: []string{
		"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}}
	dowField = cronField{name: "day-of-week", max: 7, top: 6, names: []string{
		"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}
)

// cronDescriptors maps each descriptor to its six-field equivalent.
var cronDescriptors = map[string]string{
	"@yearly":   "0 0 0 1 1 *",
	"@annually": "0 0 0 1 1 *",
	"@monthly":  "0 0 0 1 * *",
	"@weekly":   "0 0 0 * * 0",
	"@daily":    "0 0 0 * * *",
	"@midnight": "0 0 0 * * *",
	"@hourly":   "0 0 * * * *",
}

// parseCron parses expr; its errors do not yet wrap ErrInvalid.
func parseCron(expr string) (*cron, error) {
	c := &cron{expr: expr}
	fields := strings.Fields(expr)
	if len(fields) == 0 {
		return nil, errors.New("empty expression")
	}
	if name, ok := cronZonePrefix(fields[0]); ok {
		loc, err := loadCronZone(name)
		if err != nil {
			return nil, err
		}
		c.loc, fields = loc, fields[1:]
		if len(fields) == 0 {
			return nil, fmt.Errorf("no schedule after %q", expr)
		}
	}
	var err error
	switch {
	case strings.HasPrefix(fields[0], "@"):
		err = c.parseDescriptor(fields)
	case len(fields) == 5:
		c.unit = time.Minute
		err = c.f.parse(append([]string{"0"}, fields...))
	case len(fields) == 6:
		c.unit = time.Second
		err = c.f.parse(fields)
	default:
		err = fmt.Errorf("want 5 or 6 fields, got %d", len(fields))
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// cronZonePrefix returns the zone name of a CRON_TZ= or TZ= prefix.
func cronZonePrefix(field string) (string, bool) {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if name, ok := strings.CutPrefix(field, p); ok {
			return name, true
		}
	}
	return "", false
}

// loadCronZone loads a zone named in a prefix.
func loadCronZone(name string) (*time.Location, error) {
	if name == "" {
		return nil, errors.New("empty time zone name")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// parseDescriptor parses "@daily" and friends and "@every D".
func (c *cron) parseDescriptor(fields []string) error {
	name := strings.ToLower(fields[0])
	if name == "@every" {
		if len(fields) != 2 {
			return fmt.Errorf("@every wants one duration, got %d fields", len(fields)-1)
		}
		d, err := time.ParseDuration(fields[1])
		if err != nil {
			return fmt.Errorf("@every duration %q: not a duration", fields[1])
		}
		if d <= 0 {
			return fmt.Errorf("@every duration %q must be positive", fields[1])
		}
		c.every = d
		return nil
	}
	spec, ok := cronDescriptors[name]
	if !ok {
		return fmt.Errorf("unknown descriptor %q", fields[0])
	}
	c.unit = time.Minute // the five-field form's
	if len(fields) != 1 {
		return fmt.Errorf("descriptor %q takes no fields, got %d", fields[0], len(fields)-1)
	}
	return c.f.parse(strings.Fields(spec))
}

// cronFieldOrder lists the six fields in the order they are written.
var cronFieldOrder = [6]cronField{secondField, minuteField, hourField, domField, monthField, dowField}

// parse fills f from six fields, seconds first.
func (f *cronFields) parse(fields []string) error {
	for i, fd := range cronFieldOrder {
		if err := f.parseField(i, fields[i]); err != nil {
			return fmt.Errorf("%s field %q: %v", fd.name, fields[i], err)
		}
	}
	f.hourStar = strings.HasPrefix(fields[2], "*")
	f.domStar, f.dowStar = isStarField(fields[3]), isStarField(fields[5])
	f.buildTemplates()
	if !f.canFire() {
		return fmt.Errorf("day-of-month %q, month %q and day-of-week %q never match",
			fields[3], fields[4], fields[5])
	}
	return nil
}

// parseField parses field i (0 is seconds) from text.
func (f *cronFields) parseField(i int, text string) (err error) {
	switch i {
	case 0:
		f.sec, err = parseCronSet(text, secondField)
	case 1:
		f.min, err = parseCronSet(text, minuteField)
	case 2:
		f.hour, err = parseCronSet(text, hourField)
	case 3:
		err = f.parseDom(text)
	case 4:
		f.month, err = parseCronSet(text, monthField)
	default:
		err = f.parseDow(text)
	}
	return err
}

// buildTemplates fills f.dowDays.
func (f *cronFields) buildTemplates() {
	for wd1 := range f.dowDays {
		for d := 1; d <= 31; d++ {
			wd := (wd1 + d - 1) % 7
			if f.dow&(1<<wd) != 0 || f.dowNth&(1<<(8*wd+(d-1)/7+1)) != 0 {
				f.dowDays[wd1] |= 1 << d
			}
		}
	}
}

// canFire reports whether some month of the year matches some day, for
// every month length and weekday of the 1st that the calendar produces.
func (f *cronFields) canFire() bool {
	for m := 1; m <= 12; m++ {
		if f.month&(1<<m) == 0 {
			continue
		}
		for wd1 := range 7 {
			if f.daysFor(civilDaysIn(2001, m), wd1) != 0 || (m == 2 && f.daysFor(29, wd1) != 0) {
				return true
			}
		}
	}
	return false
}

// isStarField reports whether a day field counts as unrestricted for the
// day-of-month/day-of-week rule: it begins with "*" or "?".
func isStarField(text string) bool {
	return strings.HasPrefix(text, "*") || strings.HasPrefix(text, "?")
}

// parseCronSet parses a comma-separated list of numbers, ranges and steps.
func parseCronSet(text string, fd cronField) (uint64, error) {
	var bits uint64
	for item := range strings.SplitSeq(text, ",") {
		b, err := parseCronRange(item, fd)
		if err != nil {
			return 0, err
		}
		bits |= b
	}
	return bits, nil
}

// parseCronRange parses "*", "N", "N-M", each optionally with "/S", and "N/S"
// (N to the end of the field, step S).
func parseCronRange(item string, fd cronField) (uint64, error) {
	rng, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, ok := parseCronNumber(stepText)
		if !ok || n < 1 || n > fd.max {
			return 0, fmt.Errorf("step %q is not in 1-%d", stepText, fd.max)
		}
		step = n
	}
	lo, hi := fd.min, fd.top
	if rng != "*" {
		a, b, isRange := strings.Cut(rng, "-")
		var err error
		if lo, err = fd.value(a); err != nil {
			return 0, err
		}
		if hi = lo; isRange {
			hi, err = fd.rangeEnd(b, lo)
		} else if hasStep {
			hi = fd.top
		}
		if err != nil {
			return 0, err
		}
	}
	return fd.span(lo, hi, step), nil
}

// rangeEnd parses the end of a range that starts at lo. In day-of-week,
// "sun" there is 7, as cronie reads it, so "sat-sun" is Saturday and
// Sunday, unless the range starts on Sunday too.
func (fd cronField) rangeEnd(s string, lo int) (int, error) {
	if fd.name == dowField.name && strings.EqualFold(s, "sun") && lo != 0 {
		return 7, nil
	}
	return fd.value(s)
}

// span returns the values from lo to hi, every step-th. A range whose end
// is below its start wraps around the end of the field, as in Quartz,
// croniter and gronx: hours "22-2" are 22, 23, 0, 1 and 2, and days of the
// week "fri-mon" are Friday to Monday. In day-of-week, 7 is Sunday.
func (fd cronField) span(lo, hi, step int) uint64 {
	size := fd.max - fd.min + 1
	if fd.name == dowField.name {
		size = 7
	}
	if hi < lo {
		hi += size
	}
	var bits uint64
	for v := lo; v <= hi; v += step {
		bits |= 1 << (fd.min + (v-fd.min)%size)
	}
	return bits
}

// value parses a number or a name of the field.
func (fd cronField) value(s string) (int, error) {
	lower := strings.ToLower(s)
	for i, name := range fd.names {
		if lower == name {
			return fd.min + i, nil
		}
	}
	n, ok := parseCronNumber(s)
	switch {
	case s == "":
		return 0, errors.New("missing number")
	case !ok && !isCronDigits(s):
		return 0, fmt.Errorf("unknown value %q", s)
	case !ok || n < fd.min || n > fd.max:
		return 0, fmt.Errorf("%s is out of range %d-%d", s, fd.min, fd.max)
	}
	return n, nil
}

// parseDom parses the day-of-month field with L, L-N, LW, L-NW and NW.
func (f *cronFields) parseDom(text string) error {
	if text == "?" {
		text = "*"
	}
	for item := range strings.SplitSeq(text, ",") {
		up := strings.ToUpper(item)
		switch {
		case up == "L":
			f.domLast |= 1
		case up == "LW":
			f.domLastNear |= 1
		case strings.HasPrefix(up, "L-") && strings.HasSuffix(up, "W"):
			k, err := lastOffset(item, item[2:len(item)-1])
			if err != nil {
				return err
			}
			f.domLastNear |= 1 << k
		case strings.HasPrefix(up, "L-"):
			k, err := lastOffset(item, item[2:])
			if err != nil {
				return err
			}
			f.domLast |= 1 << k
		case len(up) > 1 && strings.HasSuffix(up, "W"):
			d, err := domField.value(item[:len(item)-1])
			if err != nil {
				return err
			}
			f.domNear |= 1 << d
		default:
			bits, err := parseCronRange(item, domField)
			if err != nil {
				return err
			}
			f.dom |= bits
		}
	}
	return nil
}

// lastOffset parses the N of "L-N" or "L-NW", the item.
func lastOffset(item, text string) (int, error) {
	k, ok := parseCronNumber(text)
	if !ok || k > 30 {
		return 0, fmt.Errorf("offset %q in %q is not a number in 0-30", text, item)
	}
	return k, nil
}

// parseDow parses the day-of-week field with NL and N#K.
func (f *cronFields) parseDow(text string) error {
	if text == "?" {
		text = "*"
	}
	for item := range strings.SplitSeq(text, ",") {
		wdText, nth, isNth := strings.Cut(item, "#")
		isLast := !isNth && len(item) > 1 && strings.HasSuffix(strings.ToUpper(item), "L")
		if isLast {
			wdText = item[:len(item)-1]
		}
		if !isNth && !isLast {
			bits, err := parseCronRange(item, dowField)
			if err != nil {
				return err
			}
			f.dow |= bits
			continue
		}
		wd, err := dowField.value(wdText)
		if err != nil {
			return err
		}
		wd %= 7
		if isLast {
			f.dowLast |= 1 << wd
			continue
		}
		k, ok := parseCronNumber(nth)
		if !ok || k < 1 || k > 5 {
			return fmt.Errorf("occurrence in %q is not in 1-5", item)
		}
		f.dowNth |= 1 << (8*wd + k)
	}
	return nil
}

// parseCronNumber parses a short unsigned decimal number.
func parseCronNumber(s string) (int, bool) {
	if s == "" || len(s) > 4 || !isCronDigits(s) {
		return 0, false
	}
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n, true
}

// isCronDigits reports whether s is made of ASCII digits only.
func isCronDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
