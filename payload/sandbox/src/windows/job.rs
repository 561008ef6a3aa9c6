//! The job object the host runs in: created by the provider, read back by the host.

use windows::Win32::Foundation::HANDLE;
use windows::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, IsProcessInJob, JobObjectBasicUIRestrictions,
    JobObjectExtendedLimitInformation, QueryInformationJobObject, SetInformationJobObject,
    UserHandleGrantAccess, JOBOBJECT_BASIC_UI_RESTRICTIONS, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
    JOB_OBJECT_LIMIT, JOB_OBJECT_UILIMIT,
};
use windows::Win32::System::Threading::GetCurrentProcess;
use windows_core::{BOOL, PCWSTR};

use std::os::windows::io::OwnedHandle;

use super::fault::{self, at, LaunchError};
use super::handle::{take, win32};
use crate::facts::JobFacts;
use crate::launch_steps::{JOB_CREATE, JOB_LIMITS, JOB_UI_LIMITS, OWNER_WINDOW};
use crate::{JOB_LIMIT_FLAGS, JOB_UI_RESTRICTIONS};

/// A job with the host's limits. Closing the last handle kills every process in it.
#[derive(Debug)]
pub struct Job(OwnedHandle);

impl Job {
    /// An unnamed job with [`JOB_LIMIT_FLAGS`] (one active process) and [`JOB_UI_RESTRICTIONS`].
    /// A failed step closes the job made so far.
    pub fn create() -> Result<Self, LaunchError> {
        fault::step(JOB_CREATE)?;
        // SAFETY: no security attributes (default: not inheritable) and no name; the new
        // job handle is ours alone.
        let job =
            Self(unsafe { take(CreateJobObjectW(None, PCWSTR::null()).map_err(at(JOB_CREATE))?) });
        let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT(JOB_LIMIT_FLAGS);
        limits.BasicLimitInformation.ActiveProcessLimit = 1;
        fault::step(JOB_LIMITS)?;
        // SAFETY: limits is the structure this class takes, alive for the call.
        unsafe {
            SetInformationJobObject(
                win32(&job.0),
                JobObjectExtendedLimitInformation,
                std::ptr::from_ref(&limits).cast(),
                std::mem::size_of_val(&limits) as u32,
            )
        }
        .map_err(at(JOB_LIMITS))?;
        let ui = JOBOBJECT_BASIC_UI_RESTRICTIONS {
            UIRestrictionsClass: JOB_OBJECT_UILIMIT(JOB_UI_RESTRICTIONS),
        };
        fault::step(JOB_UI_LIMITS)?;
        // SAFETY: ui is the structure this class takes, alive for the call.
        unsafe {
            SetInformationJobObject(
                win32(&job.0),
                JobObjectBasicUIRestrictions,
                std::ptr::from_ref(&ui).cast(),
                std::mem::size_of_val(&ui) as u32,
            )
        }
        .map_err(at(JOB_UI_LIMITS))?;
        Ok(job)
    }

    /// Puts `process` (created suspended) into the job.
    pub fn assign(&self, process: HANDLE) -> windows_core::Result<()> {
        // SAFETY: both handles are open; process was created by the caller.
        unsafe { AssignProcessToJobObject(win32(&self.0), process) }
    }

    /// Lets the job's processes use `window`, a window of a process outside the job, which
    /// `JOB_OBJECT_UILIMIT_HANDLES` would otherwise hide from them: the owner of the host's
    /// window. Call from outside the job.
    pub fn grant_window(&self, window: isize) -> Result<(), LaunchError> {
        fault::step(OWNER_WINDOW)?;
        // SAFETY: any handle value is accepted (a stale one fails the call); the job is ours.
        unsafe { UserHandleGrantAccess(HANDLE(window as _), win32(&self.0), true) }
            .map_err(at(OWNER_WINDOW))
    }

    /// The job's limits as facts (what the provider logs).
    pub fn facts(&self) -> windows_core::Result<JobFacts> {
        read_facts(Some(win32(&self.0)), true)
    }
}

/// The limits of the job this process is in (`in_job` false and no limits when it is in none).
pub fn current_job_facts() -> windows_core::Result<JobFacts> {
    let mut in_job = BOOL(0);
    // SAFETY: the pseudo handle of this process; in_job is a valid out-pointer.
    unsafe { IsProcessInJob(GetCurrentProcess(), None, &mut in_job)? };
    if !in_job.as_bool() {
        return Ok(JobFacts::new(false, 0, 0, Some(0)));
    }
    // No handle: Windows answers for the job of the calling process.
    read_facts(None, true)
}

fn read_facts(job: Option<HANDLE>, in_job: bool) -> windows_core::Result<JobFacts> {
    let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
    // SAFETY: limits is writable and the size passed is its own.
    unsafe {
        QueryInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            std::ptr::from_mut(&mut limits).cast(),
            std::mem::size_of_val(&limits) as u32,
            None,
        )?
    };
    let mut ui = JOBOBJECT_BASIC_UI_RESTRICTIONS::default();
    // SAFETY: as above. Wine does not implement this class (ERROR_INVALID_FUNCTION): the
    // restrictions are then unknown, which the check counts against the sandbox.
    let ui_known = unsafe {
        QueryInformationJobObject(
            job,
            JobObjectBasicUIRestrictions,
            std::ptr::from_mut(&mut ui).cast(),
            std::mem::size_of_val(&ui) as u32,
            None,
        )
    }
    .is_ok();
    let basic = &limits.BasicLimitInformation;
    Ok(JobFacts::new(
        in_job,
        basic.LimitFlags.0,
        basic.ActiveProcessLimit,
        ui_known.then_some(ui.UIRestrictionsClass.0),
    ))
}
