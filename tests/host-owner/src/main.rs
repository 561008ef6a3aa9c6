//! sspr-host-owner: plays LogonUI's part for the reset host's window tests. It creates a window,
//! starts the host with `--parent-window=<that window>` (plus any arguments after `--`), finds
//! the host's window by its class, then acts on it and reports how the host ended.
//!
//! ```text
//! sspr-host-owner <host.exe> [--destroy-after-ms N | --escape-after-ms N | --close-after-ms N]
//!                 [--post-keys VK,VK,... [--keys-after-ms N]] [--timeout-ms N]
//!                 [-- <more host arguments>]
//! ```
//! - `--destroy-after-ms N`: destroy our (the owner) window N ms after the host's window appeared;
//! - `--escape-after-ms N`: post `WM_KEYDOWN VK_ESCAPE` to the host's window;
//! - `--close-after-ms N`: post `WM_CLOSE` to the host's window (the close button's message);
//! - none of them: just wait (the idle timeout, a failed browser);
//! - `--post-keys 0x7B,0x70`: post `WM_KEYDOWN` of these virtual keys to the host's window just
//!   before the action (plain keys only: the host reads modifiers from its keyboard state);
//! - `--keys-after-ms N`: post the keys N ms after the host's window appeared instead, and
//!   leave the window open (input that resets its idle time);
//! - `--timeout-ms N` (default 30000): how long to wait for the host before terminating it.
//!
//! One `key=value` line per observation, in this order:
//! - `owner_window`: our window handle, in decimal, as passed to the host;
//! - `host_window`: 1 when a window of class `SsprResetHostWindow` appeared, else 0;
//! - `host_window_owner_ok`: 1 when that window's owner (`GW_OWNER`) is our window;
//! - `host_window_visible`: 1 when it was visible when found;
//! - `posted_key`: `0x<vk> ok=<0|1>` per key of `--post-keys`;
//! - `keys_posted_after_ms`: with `--keys-after-ms`, how long after the host's window appeared
//!   the keys went (at least N);
//! - `action`: `destroy-owner`, `escape`, `close` or `none`, once done (`action_failed` if not);
//! - `host_exit`: the host's exit code, or `timeout` (then it is terminated);
//! - `elapsed_ms`: from the action (or from the start, without one) to the host's exit.
//!
//! The owner window's thread keeps pumping messages while it waits: a window owned across
//! processes may send its owner's thread messages, and LogonUI pumps too.

#[cfg(windows)]
mod owner;
// On Linux only its tests use it.
#[cfg(any(windows, test))]
#[cfg_attr(not(windows), allow(dead_code))]
mod owner_args;

#[cfg(windows)]
fn main() {
    std::process::exit(owner::run());
}

#[cfg(not(windows))]
fn main() {
    eprintln!("sspr-host-owner runs on Windows (or under Wine) only");
    std::process::exit(2);
}
