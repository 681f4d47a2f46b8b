"""``treatysim-ui`` on a port already in use: one line and exit code 2, before any address is printed (it printed
its URL, then ``ERROR: [Errno 98] address already in use``); ``--port 0`` prints the free port it picked (issue 15)."""

from __future__ import annotations

import socket

import pytest

from sim.ui import launch


def test_a_port_in_use_is_said_in_one_line_before_any_address(capsys, monkeypatch):
    def must_not_start() -> None:
        raise AssertionError("the server was started on a port in use")

    monkeypatch.setattr("solara.__main__.main", must_not_start, raising=False)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as info:
            launch.main(["--port", str(port)])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert "http://" not in out and out == ""
    assert err.count("\n") == 1 and f"port {port} on 127.0.0.1 is already in use" in err and "--port" in err


def test_port_problem_tells_a_free_port_from_a_taken_one():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        assert "already in use" in launch.port_problem("127.0.0.1", port)
    free = launch.free_port("127.0.0.1")
    assert launch.port_problem("127.0.0.1", free) is None


def test_port_zero_prints_the_port_it_picked(capsys, monkeypatch):
    for key, value in launch.OFFLINE_ENVIRONMENT.items():  # restored after the test
        monkeypatch.setenv(key, value)
    started = []
    monkeypatch.setattr("solara.__main__.main", lambda: started.append(list(launch.sys.argv)))
    monkeypatch.setattr(launch.sys, "argv", list(launch.sys.argv))
    launch.main(["--port", "0"])
    (argv,) = started
    port = argv[argv.index("--port") + 1]
    assert port != "0" and f"http://127.0.0.1:{port}/" in capsys.readouterr().out


def test_rooms_dir_and_a_classroom_network_are_said_at_start(capsys, monkeypatch, tmp_path):
    for key, value in launch.OFFLINE_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(launch.ROOMS_DIR_VARIABLE, raising=False)
    monkeypatch.setattr("solara.__main__.main", lambda: None)
    monkeypatch.setattr(launch.sys, "argv", list(launch.sys.argv))
    launch.main(["--port", "0", "--rooms-dir", str(tmp_path / "rooms")])
    assert launch.os.environ[launch.ROOMS_DIR_VARIABLE] == str(tmp_path / "rooms")
    assert "anyone on this network" not in capsys.readouterr().out  # loopback by default
    assert launch.parse_args([]).host == "127.0.0.1"
    launch.main(["--port", "0", "--host", "0.0.0.0"])
    assert "anyone on this network can open the page" in capsys.readouterr().out


def must_not_start() -> None:
    raise AssertionError("the server was started")


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "eighty"])
def test_a_port_out_of_range_is_said_in_one_line_by_the_parser(capsys, monkeypatch, port):
    """``--port 99999`` printed uvicorn's ~60-line traceback (OverflowError) and exited 1."""
    monkeypatch.setattr("solara.__main__.main", must_not_start)
    with pytest.raises(SystemExit) as info:
        launch.main(["--port", port])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "0..65535" in err and "0 picks a free one" in err and "Traceback" not in err
    assert launch.parse_args(["--port", "65535"]).port == 65535 and launch.parse_args(["--port", "0"]).port == 0


def test_an_error_of_the_servers_socket_at_start_is_one_line_exit_2(capsys, monkeypatch):
    """Between the check and the start the port may be refused (here: permission denied, as on a low port)."""
    for key, value in launch.OFFLINE_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(launch.sys, "argv", list(launch.sys.argv))

    def refused() -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("solara.__main__.main", refused)
    with pytest.raises(SystemExit) as info:
        launch.main(["--port", "0"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err and "--port" in err

    def uvicorn_failed() -> None:  # uvicorn logs the socket's error itself, then exits with its start-up code
        raise SystemExit(launch.UVICORN_STARTUP_FAILURE)

    monkeypatch.setattr("solara.__main__.main", uvicorn_failed)
    with pytest.raises(SystemExit) as info:
        launch.main(["--port", "0"])
    assert info.value.code == 2


def test_a_refused_port_is_said_with_what_to_do(monkeypatch):
    def bind(self, address):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(launch.socket.socket, "bind", bind)
    problem = launch.port_problem("127.0.0.1", 80)
    assert "Permission denied" in problem and "below 1024" in problem and "--port" in problem


@pytest.mark.parametrize("where", ["file", "under a file"])
def test_a_rooms_dir_that_cannot_take_rooms_is_said_at_start(capsys, monkeypatch, tmp_path, where):
    """``--rooms-dir FILE`` started, and the first *Open a room* raised FileExistsError on the page."""
    monkeypatch.setattr("solara.__main__.main", must_not_start)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    folder = a_file if where == "file" else a_file / "rooms"
    with pytest.raises(SystemExit) as info:
        launch.main(["--port", "0", "--rooms-dir", str(folder)])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and str(folder) in err and "--rooms-dir" in err
    assert ("is a file" if where == "file" else "lies under") in err


def test_a_rooms_dir_that_cannot_be_written_is_said_at_start(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("solara.__main__.main", must_not_start)
    monkeypatch.setattr(launch.os, "access", lambda path, mode: False)  # as for a user without permission
    with pytest.raises(SystemExit) as info:
        launch.main(["--port", "0", "--rooms-dir", str(tmp_path / "rooms")])
    assert info.value.code == 2 and "cannot be written" in capsys.readouterr().err


def test_a_default_rooms_folder_that_cannot_take_rooms_is_warned_of_and_the_server_starts(
    capsys, monkeypatch, tmp_path
):
    """Without --rooms-dir the page of one's own still works: the server starts, and says where rooms cannot go."""
    for key, value in launch.OFFLINE_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(launch.ROOMS_DIR_VARIABLE, raising=False)
    state = tmp_path / "state"
    state.write_text("a file where the state folder should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    started = []
    monkeypatch.setattr("solara.__main__.main", lambda: started.append(True))
    monkeypatch.setattr(launch.sys, "argv", list(launch.sys.argv))
    launch.main(["--port", "0"])
    assert started == [True]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning: rooms cannot be saved" in err and "--rooms-dir" in err
