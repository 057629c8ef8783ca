#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ecsim::fuzzing::plan(data));
