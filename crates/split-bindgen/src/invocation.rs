//! The command line trunk gives wasm-bindgen: where the output goes, under which name, and
//! which wasm file is the input.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A wasm-bindgen run that turns a wasm file into JS bindings (not `--version` or `--help`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    args: Vec<OsString>,
    /// Index in `args` of the input wasm.
    input_at: usize,
    pub out_dir: PathBuf,
    pub out_name: String,
}

impl Invocation {
    /// The run `args` describes, if it has an input, an `--out-dir` and an `--out-name` (trunk
    /// passes each in the `--flag=value` form).
    pub fn parse(args: &[OsString]) -> Option<Self> {
        let mut out_dir = None;
        let mut out_name = None;
        let mut input_at = None;
        for (at, arg) in args.iter().enumerate() {
            let text = arg.to_str()?;
            if let Some(dir) = text.strip_prefix("--out-dir=") {
                out_dir = Some(PathBuf::from(dir));
            } else if let Some(name) = text.strip_prefix("--out-name=") {
                out_name = Some(name.to_owned());
            } else if !text.starts_with('-') && Path::new(text).extension() == Some(OsStr::new("wasm")) {
                input_at = Some(at);
            }
        }
        Some(Self { args: args.to_vec(), input_at: input_at?, out_dir: out_dir?, out_name: out_name? })
    }

    pub fn input(&self) -> &Path {
        Path::new(&self.args[self.input_at])
    }

    /// The same run on another input, with `extra` added.
    pub fn with_input(&self, input: &Path, extra: &str) -> Vec<OsString> {
        let mut args = self.args.clone();
        args[self.input_at] = input.as_os_str().to_owned();
        args.push(extra.into());
        args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn trunks_command_line_is_read() {
        let given = args(&[
            "--target=web",
            "--out-dir=/t/wasm-bindgen/release",
            "--out-name=frontend",
            "/t/wasm32-unknown-unknown/wasm-release/frontend.wasm",
            "--no-typescript",
        ]);
        let run = Invocation::parse(&given).unwrap();
        assert_eq!(run.out_dir, Path::new("/t/wasm-bindgen/release"));
        assert_eq!(run.out_name, "frontend");
        assert_eq!(run.input(), Path::new("/t/wasm32-unknown-unknown/wasm-release/frontend.wasm"));
        assert_eq!(
            run.with_input(Path::new("/t/main.wasm"), "--keep-lld-exports"),
            args(&[
                "--target=web",
                "--out-dir=/t/wasm-bindgen/release",
                "--out-name=frontend",
                "/t/main.wasm",
                "--no-typescript",
                "--keep-lld-exports",
            ])
        );
    }

    #[test]
    fn runs_without_an_input_are_left_alone() {
        assert_eq!(Invocation::parse(&args(&["--version"])), None);
        assert_eq!(Invocation::parse(&args(&["--out-dir=/t", "--out-name=frontend"])), None);
    }
}
