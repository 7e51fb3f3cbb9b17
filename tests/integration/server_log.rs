//! A `tokendesk serve` process's standard error, read line by line on a thread of its
//! own: a test waits for the line it needs (the one naming the bound port, say) and,
//! once the process has exited, reads the whole log.

use std::io::BufRead;
use std::process::ChildStderr;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

/// How long a server may take to log a line a test waits for (it may be building its
/// database first).
const WITHIN: Duration = Duration::from_secs(60);

pub(crate) struct ServerLog {
    lines: Receiver<String>,
    seen: Vec<String>,
    /// How many of `seen` `wait_for` has looked at.
    looked_at: usize,
}

impl ServerLog {
    pub(crate) fn read(stderr: ChildStderr) -> Self {
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            lines,
            seen: Vec::new(),
            looked_at: 0,
        }
    }

    /// The next line that `matches` (after those an earlier wait looked at); panics
    /// with the log so far if none comes within a minute.
    pub(crate) fn wait_for(&mut self, what: &str, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WITHIN;
        loop {
            while self.looked_at < self.seen.len() {
                let line = &self.seen[self.looked_at];
                self.looked_at += 1;
                if matches(line) {
                    return line.clone();
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no line {what}:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// The port the text line saying `message` names (`… port=8080 …`).
    pub(crate) fn port_of(&mut self, message: &str) -> u16 {
        let line = self.wait_for(&format!("saying {message:?}"), |line| {
            line.contains(message) && line.contains(" port=")
        });
        let digits: String = line
            .split(" port=")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("a port in: {line}"))
    }

    /// The port the server listens on, from its text log.
    pub(crate) fn bound_port(&mut self) -> u16 {
        self.port_of("tokendesk is serving")
    }

    /// Every line, once the process has exited (its standard error closed).
    pub(crate) fn whole(mut self) -> String {
        self.seen.extend(self.lines.iter());
        self.seen.iter().map(|line| format!("{line}\n")).collect()
    }
}
