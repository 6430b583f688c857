//! Calendar arithmetic without a date library: ISO 8601 and HTTP-date to and from epoch milliseconds.

/// Largest epoch-ms value handled (year 9999 ends); keeps all arithmetic far from overflow.
pub const MAX_MS: i64 = 253_402_300_799_999;
/// Smallest epoch-ms value handled (year 0000 begins).
pub const MIN_MS: i64 = -62_167_219_200_000;

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Epoch ms from calendar fields, `None` when any field is out of range.
fn epoch_ms(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> Option<i64> {
    if !(0..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(y, mo)
        || h > 23
        || mi > 59
        || s > 59
        || ms > 999
    {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400
        + i64::from(h) * 3600
        + i64::from(mi) * 60
        + i64::from(s);
    Some(secs * 1000 + i64::from(ms))
}

/// ISO 8601 UTC with milliseconds, `YYYY-MM-DDTHH:MM:SS.sssZ`; `None` outside years 0000–9999.
pub fn iso_from_ms(ms: i64) -> Option<String> {
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        return None;
    }
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    ))
}

/// A run of exactly `n` ASCII digits at `at`.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Parses ISO 8601 `YYYY-MM-DD[(T| )HH:MM[:SS[.fff…]]][Z|±HH[:MM]|±HHMM]` to epoch ms.
/// A date alone is midnight; a time without a zone is read as UTC.
pub fn ms_from_iso(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, mo, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (mut h, mut mi, mut sec, mut frac) = (0, 0, 0, 0);
    let mut i = 10;
    if i < b.len() {
        if !matches!(b.get(i), Some(b'T' | b't' | b' ')) || b.get(i + 3) != Some(&b':') {
            return None;
        }
        h = digits(b, i + 1, 2)?;
        mi = digits(b, i + 4, 2)?;
        i += 6;
        if b.get(i) == Some(&b':') {
            sec = digits(b, i + 1, 2)?;
            i += 3;
            if matches!(b.get(i), Some(b'.' | b',')) {
                i += 1;
                let start = i;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    if i - start < 3 {
                        frac = frac * 10 + u32::from(b.get(i).map_or(0, |c| c - b'0'));
                    }
                    i += 1;
                }
                let n = i - start;
                if n == 0 {
                    return None;
                }
                for _ in n..3 {
                    frac *= 10;
                }
            }
        }
    }
    let offset_min: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = i64::from(digits(b, i + 1, 2)?);
            let rest = b.get(i + 3..).unwrap_or_default();
            let om = match rest {
                [] => 0,
                [b':', ..] if rest.len() == 3 => i64::from(digits(rest, 1, 2)?),
                _ if rest.len() == 2 => i64::from(digits(rest, 0, 2)?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            if sign == b'-' {
                -(oh * 60 + om)
            } else {
                oh * 60 + om
            }
        }
        _ => return None,
    };
    Some(epoch_ms(i64::from(y), mo, d, h, mi, sec, frac)? - offset_min * 60_000)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month(s: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(s))
        .and_then(|p| u32::try_from(p + 1).ok())
}

fn hms(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 8 || b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return None;
    }
    Some((digits(b, 0, 2)?, digits(b, 3, 2)?, digits(b, 6, 2)?))
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 {
        return None;
    }
    digits(s.as_bytes(), 0, s.len())
}

/// Parses an HTTP-date (RFC 9110: IMF-fixdate, obsolete RFC 850 and asctime forms) to epoch ms.
pub fn ms_from_http_date(s: &str) -> Option<i64> {
    let t: Vec<&str> = s.split_whitespace().collect();
    match t.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [wd, d, mo, y, time, "GMT"] if wd.ends_with(',') && y.len() == 4 => {
            let (h, mi, sec) = hms(time)?;
            epoch_ms(i64::from(num(y)?), month(mo)?, num(d)?, h, mi, sec, 0)
        }
        // Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: 70–99 → 19xx, else 20xx)
        [wd, date, time, "GMT"] if wd.ends_with(',') => {
            let mut p = date.split('-');
            let (d, mo, y) = (p.next()?, p.next()?, p.next()?);
            if p.next().is_some() || y.len() != 2 {
                return None;
            }
            let y = num(y)?;
            let y = if y >= 70 { 1900 + y } else { 2000 + y };
            let (h, mi, sec) = hms(time)?;
            epoch_ms(i64::from(y), month(mo)?, num(d)?, h, mi, sec, 0)
        }
        // Sun Nov  6 08:49:37 1994
        [_wd, mo, d, time, y] if y.len() == 4 => {
            let (h, mi, sec) = hms(time)?;
            epoch_ms(i64::from(num(y)?), month(mo)?, num(d)?, h, mi, sec, 0)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_formatting() {
        assert_eq!(iso_from_ms(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(
            iso_from_ms(1_700_000_000_123).as_deref(),
            Some("2023-11-14T22:13:20.123Z")
        );
        assert_eq!(
            iso_from_ms(951_782_400_000).as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
        assert_eq!(iso_from_ms(-1).as_deref(), Some("1969-12-31T23:59:59.999Z"));
        assert_eq!(iso_from_ms(MAX_MS + 1), None);
        assert_eq!(iso_from_ms(i64::MIN), None);
    }

    #[test]
    fn iso_parsing() {
        assert_eq!(
            ms_from_iso("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000_123)
        );
        assert_eq!(ms_from_iso("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(
            ms_from_iso("2023-11-14T22:13:20.1Z"),
            Some(1_700_000_000_100)
        );
        assert_eq!(
            ms_from_iso("2023-11-14T22:13:20.123456Z"),
            Some(1_700_000_000_123)
        );
        assert_eq!(ms_from_iso("2023-11-14T22:13"), Some(1_699_999_980_000));
        assert_eq!(ms_from_iso("2023-11-14"), Some(1_699_920_000_000));
        assert_eq!(
            ms_from_iso("2024-02-29T12:30:00+05:30"),
            ms_from_iso("2024-02-29T07:00:00Z")
        );
        assert_eq!(
            ms_from_iso("2024-02-29T12:30:00-0100"),
            ms_from_iso("2024-02-29T13:30:00Z")
        );
        for bad in [
            "",
            "not a date",
            "2023-02-29T00:00:00Z",
            "2023-13-01",
            "2023-11-14T25:00:00Z",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20Zjunk",
            "2023-11-14X22:13",
            "２０２３-11-14",
        ] {
            assert_eq!(ms_from_iso(bad), None, "{bad}");
        }
        let t = 1_234_567_890_987;
        assert_eq!(iso_from_ms(t).and_then(|s| ms_from_iso(&s)), Some(t));
    }

    #[test]
    fn http_dates() {
        let want = Some(784_111_777_000);
        assert_eq!(ms_from_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), want);
        assert_eq!(ms_from_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), want);
        assert_eq!(ms_from_http_date("Sun Nov  6 08:49:37 1994"), want);
        assert_eq!(ms_from_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(ms_from_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
        assert_eq!(ms_from_http_date("120"), None);
        assert_eq!(ms_from_http_date(""), None);
    }
}
