//! Where the reset window goes: its preferred size, shrunk to fit the monitor's work area, centred
//! in it. Pure arithmetic; the frame supplies the work area of the owner's (or the primary) monitor.

/// A rectangle in screen coordinates, edges as Windows' `RECT` has them (right and bottom
/// exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScreenRect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl ScreenRect {
    pub fn width(&self) -> i32 {
        self.right.saturating_sub(self.left).max(0)
    }

    pub fn height(&self) -> i32 {
        self.bottom.saturating_sub(self.top).max(0)
    }
}

/// The size the window asks for before it is fitted to the monitor.
pub const PREFERRED_SIZE: (i32, i32) = (900, 700);

/// The window's outer rectangle: `preferred` (width, height), no larger than `work_area`, centred
/// in it. An empty work area (a monitor query that failed) keeps the preferred size at its origin.
pub fn centred(work_area: ScreenRect, preferred: (i32, i32)) -> ScreenRect {
    let (work_width, work_height) = (work_area.width(), work_area.height());
    if work_width == 0 || work_height == 0 {
        return ScreenRect {
            left: work_area.left,
            top: work_area.top,
            right: work_area.left.saturating_add(preferred.0),
            bottom: work_area.top.saturating_add(preferred.1),
        };
    }
    let width = preferred.0.clamp(1, work_width);
    let height = preferred.1.clamp(1, work_height);
    let left = work_area.left + (work_width - width) / 2;
    let top = work_area.top + (work_height - height) / 2;
    ScreenRect {
        left,
        top,
        right: left + width,
        bottom: top + height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(left: i32, top: i32, right: i32, bottom: i32) -> ScreenRect {
        ScreenRect {
            left,
            top,
            right,
            bottom,
        }
    }

    #[test]
    fn centres_the_preferred_size_on_a_large_monitor() {
        // 1920x1080 with a 40-pixel taskbar at the bottom.
        assert_eq!(
            centred(rect(0, 0, 1920, 1040), PREFERRED_SIZE),
            rect(510, 170, 1410, 870)
        );
    }

    #[test]
    fn shrinks_to_a_small_work_area() {
        assert_eq!(
            centred(rect(0, 0, 800, 560), PREFERRED_SIZE),
            rect(0, 0, 800, 560)
        );
        assert_eq!(
            centred(rect(0, 0, 1024, 600), PREFERRED_SIZE),
            rect(62, 0, 962, 600)
        );
    }

    #[test]
    fn follows_a_monitor_left_of_the_primary_one() {
        assert_eq!(
            centred(rect(-1280, 0, 0, 1024), PREFERRED_SIZE),
            rect(-1090, 162, -190, 862)
        );
    }

    #[test]
    fn an_empty_work_area_keeps_the_preferred_size() {
        assert_eq!(
            centred(rect(0, 0, 0, 0), PREFERRED_SIZE),
            rect(0, 0, 900, 700)
        );
        assert_eq!(rect(10, 10, 5, 5).width(), 0);
    }
}
