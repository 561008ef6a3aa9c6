//! The breakdown lines: each phase of an activation timed on its own over extra iterations (the
//! headline loops stay free of the extra clock reads), reported as one median per phase.

/// The phases of one activation, in the order LogonUI goes through them.
pub const PHASES: [&str; 8] = [
    "LoadLibrary",
    "DllGetClassObject",
    "CreateInstance",
    "SetUsageScenario",
    "GetFieldDescriptorCount/At",
    "GetCredentialCount",
    "Release",
    "FreeLibrary",
];

/// Samples per phase, in µs.
#[derive(Debug, Default)]
pub struct Breakdown {
    samples: [Vec<f64>; PHASES.len()],
}

impl Breakdown {
    /// Records `micros` for the phase at `index` into [`PHASES`].
    pub fn record(&mut self, index: usize, micros: f64) {
        if let Some(samples) = self.samples.get_mut(index) {
            samples.push(micros);
        }
    }

    /// `name:median,name:median,...` for the phases that have samples, in [`PHASES`] order.
    pub fn line(&self) -> String {
        PHASES
            .iter()
            .zip(&self.samples)
            .filter_map(|(name, samples)| median(samples).map(|m| format!("{name}:{m:.2}")))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_median_per_phase_in_order_skipping_empty_ones() {
        let mut breakdown = Breakdown::default();
        for (index, micros) in [(3, 9.0), (3, 1.0), (3, 2.0), (0, 4.0), (0, 6.0), (99, 1.0)] {
            breakdown.record(index, micros);
        }
        assert_eq!(breakdown.line(), "LoadLibrary:5.00,SetUsageScenario:2.00");
        assert_eq!(Breakdown::default().line(), "");
    }
}
