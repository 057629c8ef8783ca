//! How ecsim stops: the signals that end a run cleanly, and the exit code
//! it then returns.

/// The signals that stop a run (Ctrl-C, SIGTERM, SIGHUP); ecsim then exits
/// with 128 + the signal, as a shell reports a process the signal ended.
pub const STOP_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// The signal that asked ecsim to stop, 0 if none.
static STOP_SIGNAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Ctrl-C (SIGINT), SIGTERM (how Kubernetes, AWS Batch and ECS stop a job)
/// and SIGHUP (a closed terminal) stop a run at its next check, so staged
/// results are removed and a sweep keeps its finished runs. A second one
/// ends the process at once, from a thread that first removes the staging
/// folders (a signal handler itself may not touch files); a third ends it
/// even if that removal hangs.
pub(super) fn stop_on_signals() {
    use signal_hook::flag;
    use std::sync::atomic::{AtomicBool, Ordering};
    static STOPPING: &AtomicBool = &crate::sim::INTERRUPT;
    static FORCED: AtomicBool = AtomicBool::new(false);
    for sig in STOP_SIGNALS {
        // Registered first, so it sees the flag as the previous signal left it.
        let _ = flag::register_conditional_shutdown(sig, 128 + sig, &FORCED);
        let _ = flag::register_usize(sig, &STOP_SIGNAL, sig as usize);
        let _ = flag::register(sig, STOPPING);
    }
    let Ok(mut signals) = signal_hook::iterator::Signals::new(STOP_SIGNALS) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("ecsim-signals".into())
        .spawn(move || {
            let mut seen = 0;
            for sig in signals.forever() {
                seen += 1;
                if seen >= 2 {
                    FORCED.store(true, Ordering::SeqCst);
                    crate::report::remove_live();
                    eprintln!("error: stopped at once (a second signal); staged results removed");
                    std::process::exit(128 + sig);
                }
            }
        });
}

/// A file-size limit (`ulimit -f`) sends SIGXFSZ to a write past it, which
/// would end ecsim with no word and half a staging folder left. Ignored
/// (caught by a handler that does nothing), the write fails with an error
/// instead, which names the file and removes the staging folder.
pub(super) fn ignore_file_size_signal() {
    // SAFETY: the handler does nothing, so it is async-signal-safe.
    let _ = unsafe { signal_hook::low_level::register(signal_hook::consts::SIGXFSZ, || {}) };
}

/// 128 + the signal, as a shell reports a process the signal ended:
/// 130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP.
pub(super) fn stop_code() -> i32 {
    match STOP_SIGNAL.load(std::sync::atomic::Ordering::SeqCst) {
        0 => 130,
        sig => 128 + sig as i32,
    }
}
