//! UTC calendar fields of a Unix time (proleptic Gregorian), the one date formatter the provider's
//! log, SsprDiag's report and the dist's zip entry times share. Pure and dependency-free.
#![forbid(unsafe_code)]

/// A Unix time as UTC calendar fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: u32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Civil {
    /// The calendar fields of `unix_seconds` (seconds since 1970-01-01T00:00:00Z).
    pub fn from_unix(unix_seconds: u64) -> Self {
        let days = unix_seconds / 86_400;
        let rest = unix_seconds % 86_400;
        // Howard Hinnant's days-to-civil algorithm, for days since 1970-01-01 (never negative).
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z % 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        // Every field is in range by construction; the year fits u32 for any u64 input.
        Civil {
            year: u32::try_from(year).unwrap_or(u32::MAX),
            month: month as u8,
            day: day as u8,
            hour: (rest / 3600) as u8,
            minute: (rest / 60 % 60) as u8,
            second: (rest % 60) as u8,
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS`: ISO 8601 without a zone; callers add fractions and `Z`.
    pub fn iso8601(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let fields = |s| {
            let c = Civil::from_unix(s);
            (c.year, c.month, c.day, c.hour, c.minute, c.second)
        };
        assert_eq!(fields(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(fields(315_532_800), (1980, 1, 1, 0, 0, 0));
        assert_eq!(fields(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(fields(1_795_867_199), (2026, 11, 28, 11, 59, 59));
        assert_eq!(
            Civil::from_unix(1_719_835_199).iso8601(),
            "2024-07-01T11:59:59"
        );
    }
}
