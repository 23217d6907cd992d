//! A fault-injecting HTTP proxy between the kiosk and the centre: it forwards each request as
//! it is and can, at the k-th request, play a centre that is down (the connection closes with no
//! answer, and stays so until restored), slow (the answer comes after a delay longer than the
//! kiosk waits; the centre still acts), or broken (500, the centre never hears of it).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the centre does at the chosen request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CentreFault {
    /// No answer; every later request too, until [`FaultProxy::restore`].
    Down,
    /// The answer after this long (the request reached the centre).
    Slow(Duration),
    /// `500 Internal Server Error`, without asking the centre.
    Error500,
}

#[derive(Debug, Default)]
struct State {
    requests: usize,
    /// The fault and the request (1-based) it hits.
    armed: Option<(usize, CentreFault)>,
    down: bool,
    /// The paths of the requests seen, in order.
    paths: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// Listens on a free local port and forwards to `upstream` (`http://host:port`).
    pub fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let state = shared.clone();
                let upstream = upstream.clone();
                std::thread::spawn(move || serve(client, &upstream, &state));
            }
        });
        FaultProxy { url, state }
    }

    /// Arms `fault` for the `k`-th request from now (1-based).
    pub fn arm(&self, k: usize, fault: CentreFault) {
        let mut state = self.lock();
        state.requests = 0;
        state.paths.clear();
        state.armed = Some((k, fault));
    }

    /// Counts from zero again, with no fault armed and the centre up.
    pub fn restore(&self) {
        let mut state = self.lock();
        state.requests = 0;
        state.paths.clear();
        state.armed = None;
        state.down = false;
    }

    /// The paths of the requests since the last `arm`/`restore`.
    pub fn paths(&self) -> Vec<String> {
        self.lock().paths.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One client connection: request after request (keep-alive) until it closes.
fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) {
    let Ok(mut writer) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(client);
    while let Some((head, body)) = read_message(&mut reader) {
        let fault = {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            state.requests += 1;
            let path = head
                .lines()
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .unwrap_or("")
                .to_string();
            state.paths.push(path);
            let due = match state.armed {
                Some((k, fault)) if k == state.requests => Some(fault),
                _ => None,
            };
            if due == Some(CentreFault::Down) {
                state.down = true;
            }
            if state.down {
                Some(CentreFault::Down)
            } else {
                due
            }
        };
        match fault {
            Some(CentreFault::Down) => return,
            Some(CentreFault::Error500) => {
                let answer = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n";
                if writer.write_all(answer.as_bytes()).is_err() {
                    return;
                }
            }
            Some(CentreFault::Slow(delay)) => {
                let answer = forward(upstream, &head, &body);
                std::thread::sleep(delay);
                match answer {
                    Some(answer) if writer.write_all(&answer).is_ok() => {}
                    _ => return,
                }
            }
            None => match forward(upstream, &head, &body) {
                Some(answer) if writer.write_all(&answer).is_ok() => {}
                _ => return,
            },
        }
    }
}

/// Sends one request to the centre on a connection of its own and returns its whole answer.
fn forward(upstream: &str, head: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).ok()?;
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut reader = BufReader::new(stream);
    let (head, body) = read_message(&mut reader)?;
    let mut answer = head.into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

/// Reads one HTTP message (head with its blank line, and a body of content-length bytes).
fn read_message(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        head.push_str(&line);
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some((head, body))
}
