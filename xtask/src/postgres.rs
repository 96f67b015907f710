//! A throw-away PostgreSQL server for the tests: initdb into a temp dir, listen on loopback
//! only, stop and delete on drop.

use std::path::PathBuf;
use std::process::Command;

use crate::run_cmd;

pub struct TestServer {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

/// The newest installed server's bin directory (`/usr/lib/postgresql/N/bin`).
fn server_bin() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|e| format!("no PostgreSQL server in /usr/lib/postgresql: {e}"))?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| "no initdb under /usr/lib/postgresql/*/bin".into())
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

impl TestServer {
    pub fn start() -> Result<TestServer, String> {
        let bin = server_bin()?;
        // PostgreSQL refuses to run as root; then the cluster belongs to the `postgres` user.
        let as_postgres_user = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let data = std::env::temp_dir().join(format!("journeys-test-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
        let server = TestServer { bin, data, port: free_port()?, as_postgres_user };
        if as_postgres_user {
            run_cmd(Command::new("chown").arg("postgres:postgres").arg(&server.data))?;
        }
        run_cmd(&mut server.pg("initdb", &["-A", "trust", "-U", "journeys", "-E", "UTF8", "--no-sync", "-D"]))?;
        let options = format!(
            "-k {} -c listen_addresses=127.0.0.1 -p {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            server.data.display(),
            server.port
        );
        let log = server.data.join("server.log");
        run_cmd(&mut server.pg("pg_ctl", &["-w", "-l", &log.display().to_string(), "-o", &options, "start", "-D"]))?;
        eprintln!("xtask: PostgreSQL test server on {}", server.url());
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("postgres://journeys@127.0.0.1:{}/postgres", self.port)
    }

    /// `program ARGS DATA_DIR`, as the postgres user when we are root.
    fn pg(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        command.args(args).arg(&self.data);
        command
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.pg("pg_ctl", &["-m", "immediate", "stop", "-D"]).status();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
