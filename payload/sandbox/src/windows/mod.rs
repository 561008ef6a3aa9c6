//! The sandbox on Windows: building the restricted token and the job (the provider's side) and
//! reading a token and a job back as facts (the host's side and the provider's log).

mod acl;
mod dll_search;
mod fault;
mod handle;
mod job;
mod launch;
mod launch_sid;
mod logon;
mod sid;
mod token;
mod window_access;

pub use acl::{path_writers, Descriptor, Security};
pub use dll_search::{load_system_library, restrict_process_dll_search, system_folder};
pub use fault::LaunchError;
pub use handle::win32;
pub use job::{current_job_facts, Job};
pub use launch::{start_sandboxed, start_sandboxed_owned_by, Sandboxed};
pub use launch_sid::{new_launch_sid, LaunchSid, WellKnown};
pub use logon::{new_credentials_token, NETWORK_USER};
pub use token::{current_token_facts, restricted_host_token, token_facts};
pub use window_access::{purge_stale, WindowGrant, DESKTOP_GRANT, WINSTA_GRANT};
