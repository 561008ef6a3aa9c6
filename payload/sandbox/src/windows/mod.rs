//! The sandbox on Windows: building the restricted token and the job (the provider's side) and
//! reading a token and a job back as facts (the host's side and the provider's log).

mod handle;
mod job;
mod launch;
mod sid;
mod token;

pub use handle::OwnedHandle;
pub use job::{current_job_facts, Job};
pub use launch::{start_sandboxed, start_sandboxed_owned_by, Sandboxed};
pub use token::{current_token_facts, restricted_host_token, token_facts};
