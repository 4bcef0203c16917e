#!/usr/bin/python3
"""Static checks of the container deployment: docker-compose.yml, deploy/docker/Dockerfile
(with .dockerignore) and the Kubernetes manifests in deploy/k8s. Nothing is built or started:
these machines run no Docker engine and no cluster. Every problem is printed; the exit status
is 1 if there is any.

Run as `/usr/bin/python3 tests/static_deploy.py` (it needs Debian's python3-yaml)."""
import glob
import os
import re
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPOSE = os.path.join(ROOT, "docker-compose.yml")
DOCKERFILE = os.path.join(ROOT, "deploy", "docker", "Dockerfile")
DOCKERIGNORE = os.path.join(ROOT, ".dockerignore")
K8S = os.path.join(ROOT, "deploy", "k8s")

REQUIRED_ENV = ("CDM_DATABASE_URL", "CDM_KAFKA_BOOTSTRAP")
SERVICE_BINARIES = ("cdm-api", "cdm-relay", "cdm-indicators", "cdm-delivery")
DEV_ONLY = "cdm-devbroker"
TOPICS = ("cdm.submissions", "cdm.kpi-events")
PARTITIONS = 6
API_PORT = 8080

from yaml_strict import StrictLoader  # noqa: E402


def load(text):
    return yaml.load(text, Loader=StrictLoader)


def load_all(text):
    return yaml.load_all(text, Loader=StrictLoader)


passed = 0
failed = 0
skipped = 0


def check(ok, what):
    """Records one check; prints it when it fails."""
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")
    return ok


def skip(what):
    global skipped
    skipped += 1
    print(f"SKIP {what}")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def rel(path):
    return os.path.relpath(path, ROOT)


# --------------------------------------------------------------------- project facts

def readme_variables():
    """CDM_* names of the README's configuration table (first cell of each row)."""
    names = set()
    for line in read(os.path.join(ROOT, "README.md")).splitlines():
        m = re.match(r"^\|\s*`(CDM_[A-Z0-9_]+)`\s*\|", line)
        if m:
            names.add(m.group(1))
    return names


def makefile_binaries():
    """Names of the binaries the Makefile builds: targets `$(BUILD)/cdm-...:`."""
    return set(re.findall(r"^\$\(BUILD\)/(cdm-[A-Za-z0-9_-]+)\s*:", read(os.path.join(ROOT, "Makefile")), re.M))


def install_deps_build_packages():
    """The packages deploy/local/install_deps.sh installs that the build needs (-dev ones,
    build-essential, pkg-config)."""
    text = read(os.path.join(ROOT, "deploy", "local", "install_deps.sh"))
    m = re.search(r'PKGS="([^"]*)"', text)
    pkgs = m.group(1).split() if m else []
    return [p for p in pkgs if p.endswith("-dev") or p in ("build-essential", "pkg-config")]


README_VARS = readme_variables()
MAKE_BINS = makefile_binaries()
check(README_VARS, "README.md: no `CDM_...` rows found in the configuration table")
check(set(SERVICE_BINARIES) <= MAKE_BINS,
      f"Makefile: expected targets for {', '.join(SERVICE_BINARIES)}, found {sorted(MAKE_BINS)}")


def check_cdm_names(text, where):
    for name in sorted(set(re.findall(r"\bCDM_[A-Z0-9_]+\b", text))):
        check(name in README_VARS, f"{where}: {name} is not in the README's configuration table")


def as_env_dict(env):
    """Compose environment as a dict, whether written as a mapping or a list."""
    if isinstance(env, dict):
        return {str(k): v for k, v in env.items()}
    out = {}
    for item in env or []:
        k, _, v = str(item).partition("=")
        out[k] = v
    return out


def command_words(cmd):
    if cmd is None:
        return []
    if isinstance(cmd, str):
        return cmd.split()
    return [str(c) for c in cmd]


# --------------------------------------------------------------------- docker-compose

def compose_config_cli():
    """`docker-compose config -q` (or `docker compose config -q`) must accept the file."""
    cmd = None
    if shutil.which("docker-compose"):
        cmd = ["docker-compose", "-f", COMPOSE, "config", "-q"]
    elif shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True).returncode == 0:
        cmd = ["docker", "compose", "-f", COMPOSE, "config", "-q"]
    if not cmd:
        skip("docker-compose is not installed: `config -q` not run "
             "(deploy/local/install_deps.sh installs Debian's docker-compose)")
        return
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    check(r.returncode == 0, f"`{' '.join(cmd[:1] + cmd[3:])}` failed: {r.stderr.strip() or r.stdout.strip()}")


def is_cdm_service(svc):
    image = str(svc.get("image", ""))
    build = svc.get("build")
    dockerfile = build.get("dockerfile", "") if isinstance(build, dict) else ""
    return image.split(":")[0].split("/")[-1] == "cdmeasure" or dockerfile.endswith("deploy/docker/Dockerfile")


def check_compose():
    compose_config_cli()
    text = read(COMPOSE)
    check_cdm_names(text, "docker-compose.yml")
    try:
        doc = load(text)
    except yaml.YAMLError as e:
        check(False, f"docker-compose.yml: does not parse: {e}")
        return
    services = doc.get("services") or {}
    check(services, "docker-compose.yml: no services")
    for name in ("postgres", "kafka"):
        check(name in services, f"docker-compose.yml: no `{name}` service")
    if "postgres" in services:
        check(str(services["postgres"].get("image", "")).startswith("postgres:15"),
              "docker-compose.yml: postgres must use the postgres:15 image")
    if "kafka" in services:
        kenv = as_env_dict(services["kafka"].get("environment"))
        check(str(services["kafka"].get("image", "")).startswith("apache/kafka:3.7."),
              "docker-compose.yml: kafka must use a pinned apache/kafka:3.7.x image")
        check("controller" in str(kenv.get("KAFKA_PROCESS_ROLES", "")),
              "docker-compose.yml: kafka is not a KRaft broker,controller (KAFKA_PROCESS_ROLES)")

    roles = {}
    for name, svc in services.items():
        svc = svc or {}
        where = f"docker-compose.yml: service {name}"
        # depends_on conditions must be satisfiable.
        deps = svc.get("depends_on") or {}
        if isinstance(deps, dict):
            for dep, spec in deps.items():
                cond = (spec or {}).get("condition", "service_started")
                target = services.get(dep)
                if not check(target is not None, f"{where}: depends on unknown service {dep}"):
                    continue
                if cond == "service_healthy":
                    check("healthcheck" in target, f"{where}: waits for {dep} healthy, which has no healthcheck")
                if cond == "service_completed_successfully":
                    check(str(target.get("restart", "no")) == "no",
                          f"{where}: waits for {dep} to complete, but {dep} restarts")
        if not is_cdm_service(svc):
            continue
        env = as_env_dict(svc.get("environment"))
        for var in REQUIRED_ENV:
            check(env.get(var), f"{where}: {var} is not set")
        words = command_words(svc.get("command"))
        check(DEV_ONLY not in words, f"{where}: runs the development broker, which is not for containers")
        binary = words[0] if words else "cdm-api"  # the image's CMD
        check(binary in SERVICE_BINARIES, f"{where}: command {binary!r} is not one of {SERVICE_BINARIES}")
        one_shot = "--migrate-only" in words
        if one_shot:
            roles.setdefault("migrate", []).append(name)
            check(str(svc.get("restart", "no")) == "no", f"{where}: a one-shot must not restart")
        else:
            roles.setdefault(binary, []).append(name)
            check("stop_grace_period" in svc, f"{where}: long-running, needs stop_grace_period")
            check(svc.get("restart") in ("unless-stopped", "always", "on-failure"),
                  f"{where}: long-running, needs a restart policy")
    check(roles.get("migrate"), "docker-compose.yml: no one-shot `cdm-api --migrate-only` service")
    for binary in SERVICE_BINARIES:
        check(roles.get(binary), f"docker-compose.yml: no service runs {binary}")
    # The long-running processes start once the migrations are applied.
    for binary in SERVICE_BINARIES:
        for name in roles.get(binary, []):
            deps = services[name].get("depends_on") or {}
            for dep in roles.get("migrate", []):
                cond = (deps.get(dep) or {}).get("condition") if isinstance(deps, dict) else None
                check(cond == "service_completed_successfully",
                      f"docker-compose.yml: service {name} must wait for {dep} (service_completed_successfully)")
    for name in roles.get("cdm-api", []):
        svc = services[name]
        hc = svc.get("healthcheck") or {}
        test = " ".join(command_words(hc.get("test")))
        check("/readyz" in test, f"docker-compose.yml: service {name}: healthcheck must probe /readyz")
        check(any(str(p).split(":")[-1].split("/")[0] == str(API_PORT) or
                  (isinstance(p, dict) and p.get("target") == API_PORT) for p in svc.get("ports") or []),
              f"docker-compose.yml: service {name}: port {API_PORT} is not published")

    # Topics are created with their partition counts by a one-shot.
    creators = []
    for name, svc in services.items():
        script = " ".join(command_words((svc or {}).get("entrypoint")) + command_words((svc or {}).get("command")))
        if "kafka-topics.sh" in script and "--create" in script:
            creators.append(name)
            for topic in TOPICS:
                check(topic in script, f"docker-compose.yml: service {name} does not create {topic}")
            counts = re.findall(r"--partitions\s+\"?(\S+?)\"?(?:\s|$)", script)
            check(counts and all(c == str(PARTITIONS) for c in counts),
                  f"docker-compose.yml: service {name} must create the topics with --partitions {PARTITIONS}")
            check(str(svc.get("restart", "no")) == "no", f"docker-compose.yml: service {name} must not restart")
            for user, usvc in services.items():
                if is_cdm_service(usvc or {}) and "--migrate-only" not in command_words(usvc.get("command")):
                    cond = ((usvc.get("depends_on") or {}).get(name) or {}) if isinstance(usvc.get("depends_on"), dict) else {}
                    check(cond.get("condition") == "service_completed_successfully",
                          f"docker-compose.yml: service {user} must wait for {name} (service_completed_successfully)")
    check(creators, "docker-compose.yml: no service creates the topics (kafka-topics.sh --create)")


# --------------------------------------------------------------------- Dockerfile

def dockerfile_instructions(text):
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        if buf:
            word, _, args = buf.partition(" ")
            out.append((word.upper(), args.strip()))
        buf = ""
    return out


def check_dockerfile():
    if not check(os.path.exists(DOCKERFILE), f"{rel(DOCKERFILE)}: missing"):
        return
    text = read(DOCKERFILE)
    check(DEV_ONLY not in text, f"{rel(DOCKERFILE)}: mentions {DEV_ONLY}, which is not for containers")
    check_cdm_names(text, rel(DOCKERFILE))
    stages = []  # [(alias, image, [instructions])]
    for ins, args in dockerfile_instructions(text):
        if ins == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            image = words[0] if words else ""
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append((alias, image, []))
        elif stages:
            stages[-1][2].append((ins, args))
    if not check(len(stages) >= 2, f"{rel(DOCKERFILE)}: not multi-stage ({len(stages)} FROM)"):
        return
    aliases = set()
    for alias, image, _ in stages:
        if image not in aliases:
            check("bookworm" in image and image.startswith("debian:"),
                  f"{rel(DOCKERFILE)}: FROM {image}: use Debian 12 (bookworm) images")
        if alias:
            aliases.add(alias)
    check(stages[-1][1] == "debian:bookworm-slim", f"{rel(DOCKERFILE)}: the final stage must be debian:bookworm-slim")

    # The build stage installs what deploy/local/install_deps.sh installs for building.
    build_text = " ".join(a for _, _, ins in stages[:-1] for i, a in ins if i == "RUN")
    for pkg in install_deps_build_packages():
        check(re.search(rf"(?<![\w.+-]){re.escape(pkg)}(?![\w.+-])", build_text),
              f"{rel(DOCKERFILE)}: the build stage does not install {pkg} (in deploy/local/install_deps.sh)")
    check(re.search(r"\bmake\b[^&;]*\ball\b", build_text), f"{rel(DOCKERFILE)}: the build stage does not run `make ... all`")

    for _, image, ins in stages:
        for i, args in ins:
            if i == "RUN" and "apt-get install" in args:
                check("--no-install-recommends" in args, f"{rel(DOCKERFILE)}: apt-get install without --no-install-recommends")
                check("rm -rf /var/lib/apt/lists" in args, f"{rel(DOCKERFILE)}: apt lists not cleaned in the same RUN")

    final = stages[-1][2]
    users = [a for i, a in final if i == "USER"]
    if check(users, f"{rel(DOCKERFILE)}: the final stage has no USER"):
        user = users[-1].split(":")[0]
        check(user not in ("root", "0") and user, f"{rel(DOCKERFILE)}: the final stage runs as {user}")
    check(any(i == "EXPOSE" and str(API_PORT) in a.split() for i, a in final),
          f"{rel(DOCKERFILE)}: the final stage does not EXPOSE {API_PORT}")

    copied = {}
    copy_dests = []
    for i, args in final:
        if i not in ("COPY", "ADD"):
            continue
        words = args.split()
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        if len(paths) < 2:
            continue
        copy_dests.append(paths[-1].rstrip("/"))
        if any(f.startswith("--from=") for f in flags):
            for src in paths[:-1]:
                base = os.path.basename(src.rstrip("/"))
                if base.startswith("cdm-"):
                    copied[base] = paths[-1]
    for base, dest in copied.items():
        check(base in MAKE_BINS, f"{rel(DOCKERFILE)}: copies {base}, which no Makefile target builds")
        check(dest.rstrip("/") == "/usr/local/bin", f"{rel(DOCKERFILE)}: {base} goes to {dest}, not /usr/local/bin")
    for binary in SERVICE_BINARIES:
        check(binary in copied, f"{rel(DOCKERFILE)}: the final stage does not copy {binary}")
    schema_dir = None
    for i, args in final:
        if i == "ENV":
            m = re.search(r"\bCDM_SCHEMA_DIR[= ](\S+)", args)
            if m:
                schema_dir = m.group(1).rstrip("/")
    if check(schema_dir, f"{rel(DOCKERFILE)}: the final stage does not set CDM_SCHEMA_DIR"):
        check(schema_dir in copy_dests, f"{rel(DOCKERFILE)}: nothing is copied to CDM_SCHEMA_DIR={schema_dir}")

    if os.path.exists(DOCKERIGNORE):
        ignored = {l.strip().strip("/") for l in read(DOCKERIGNORE).splitlines()
                   if l.strip() and not l.startswith("#")}
        for needed in ("Makefile", "api", "lib", "db", "workers", "schemas", "tests", "tests/unit", "deploy", "deploy/local"):
            check(needed not in ignored, f".dockerignore: excludes {needed}, which the build needs")


# --------------------------------------------------------------------- Kubernetes

def pod_spec(obj):
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return (spec.get("template") or {}).get("spec")
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    if kind == "Pod":
        return spec
    return None


def template_labels(obj):
    return ((obj.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}


def subset(small, big):
    return bool(small) and all(big.get(k) == v for k, v in small.items())


def resolve_port(port, container):
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return None


def is_cdm_image(image):
    return str(image).split("@")[0].split(":")[0].split("/")[-1] == "cdmeasure"


def check_k8s():
    files = sorted(glob.glob(os.path.join(K8S, "*.yaml")) + glob.glob(os.path.join(K8S, "*.yml")))
    if not check(files, f"{rel(K8S)}: no manifests"):
        return
    objects = []  # (file, object)
    kustomization = None
    for path in files:
        text = read(path)
        check_cdm_names(text, rel(path))
        try:
            docs = [d for d in load_all(text) if d is not None]
        except yaml.YAMLError as e:
            check(False, f"{rel(path)}: does not parse: {e}")
            continue
        if os.path.basename(path) in ("kustomization.yaml", "kustomization.yml"):
            kustomization = (path, docs[0] if docs else {})
            continue
        check(docs, f"{rel(path)}: empty")
        for i, d in enumerate(docs):
            where = f"{rel(path)} document {i + 1}"
            if not check(isinstance(d, dict), f"{where}: not a mapping"):
                continue
            check(d.get("apiVersion"), f"{where}: no apiVersion")
            check(d.get("kind"), f"{where}: no kind")
            check((d.get("metadata") or {}).get("name"), f"{where}: no metadata.name")
            check("namespace" not in (d.get("metadata") or {}), f"{where}: has a namespace (manifests are namespace-free)")
            objects.append((path, d))

    # kustomization lists every manifest, and only existing ones.
    if check(kustomization, f"{rel(K8S)}: no kustomization.yaml"):
        kpath, k = kustomization
        check(k.get("kind") == "Kustomization", f"{rel(kpath)}: kind is not Kustomization")
        listed = [str(r) for r in k.get("resources") or []]
        manifests = {os.path.basename(p) for p in files} - {os.path.basename(kpath)}
        for m in sorted(manifests - set(listed)):
            check(False, f"{rel(kpath)}: does not list {m}")
        for r in listed:
            check(os.path.exists(os.path.join(K8S, r)), f"{rel(kpath)}: lists {r}, which does not exist")
        check(len(listed) == len(set(listed)), f"{rel(kpath)}: lists a resource twice")

    def named(kind):
        return {d["metadata"]["name"]: d for _, d in objects if d.get("kind") == kind and (d.get("metadata") or {}).get("name")}

    configmaps, secrets, deployments = named("ConfigMap"), named("Secret"), named("Deployment")
    services, pdbs, jobs = named("Service"), named("PodDisruptionBudget"), named("Job")
    check(configmaps, "k8s: no ConfigMap")
    check(secrets, "k8s: no Secret")
    check(pdbs, "k8s: no PodDisruptionBudget")

    def secret_keys(s):
        return set((s.get("stringData") or {}).keys()) | set((s.get("data") or {}).keys())

    for name, cm in configmaps.items():
        check(all(isinstance(v, str) for v in (cm.get("data") or {}).values()),
              f"k8s: ConfigMap {name}: every data value must be a string (quote numbers)")
    for name, s in secrets.items():
        check(all(isinstance(v, str) for v in (s.get("stringData") or {}).values()),
              f"k8s: Secret {name}: every stringData value must be a string")

    def env_of(container):
        """Names the container's environment gets, from env and envFrom."""
        names = {e.get("name") for e in container.get("env") or []}
        for ef in container.get("envFrom") or []:
            if "configMapRef" in ef:
                names |= set((configmaps.get(ef["configMapRef"].get("name")) or {}).get("data", {}) or {})
            if "secretRef" in ef:
                names |= secret_keys(secrets.get(ef["secretRef"].get("name")) or {})
        return names

    binaries = {}  # binary -> [(kind/name, obj, container)]
    for path, obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        kind, name = obj["kind"], obj["metadata"]["name"]
        where = f"k8s: {kind} {name}"
        pod_sc = spec.get("securityContext") or {}
        containers = [("container", c) for c in spec.get("containers") or []] + \
                     [("initContainer", c) for c in spec.get("initContainers") or []]
        check(spec.get("containers"), f"{where}: no containers")
        if kind == "Deployment":
            match = ((obj["spec"].get("selector") or {}).get("matchLabels")) or {}
            check(subset(match, template_labels(obj)),
                  f"{where}: selector.matchLabels {match} is not a subset of the template labels {template_labels(obj)}")
            check(isinstance(spec.get("terminationGracePeriodSeconds"), int),
                  f"{where}: set terminationGracePeriodSeconds (graceful SIGTERM)")
            for key in ("app.kubernetes.io/name", "app.kubernetes.io/component"):
                check(key in template_labels(obj), f"{where}: template has no {key} label")
        if kind == "Job":
            check(spec.get("restartPolicy") in ("Never", "OnFailure"), f"{where}: restartPolicy must be Never or OnFailure")
            check("backoffLimit" in obj["spec"], f"{where}: no backoffLimit")
            check("ttlSecondsAfterFinished" in obj["spec"], f"{where}: no ttlSecondsAfterFinished")
        for role, c in containers:
            cw = f"{where} {role} {c.get('name')}"
            res = c.get("resources") or {}
            check(res.get("requests") and res.get("limits"), f"{cw}: needs resources.requests and resources.limits")
            check("memory" in (res.get("limits") or {}), f"{cw}: needs a memory limit")
            sc = c.get("securityContext") or {}
            check(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{cw}: runAsNonRoot is not true")
            check(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem is not true")
            check(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation is not false")
            check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{cw}: capabilities are not dropped (ALL)")
            check(c.get("image"), f"{cw}: no image")
            # Every referenced ConfigMap/Secret key exists.
            for e in c.get("env") or []:
                vf = e.get("valueFrom") or {}
                if "configMapKeyRef" in vf:
                    ref = vf["configMapKeyRef"]
                    cm = configmaps.get(ref.get("name"))
                    check(cm is not None and ref.get("key") in (cm.get("data") or {}),
                          f"{cw}: env {e.get('name')} refers to ConfigMap {ref.get('name')} key {ref.get('key')}, which does not exist")
                if "secretKeyRef" in vf:
                    ref = vf["secretKeyRef"]
                    s = secrets.get(ref.get("name"))
                    check(s is not None and ref.get("key") in secret_keys(s),
                          f"{cw}: env {e.get('name')} refers to Secret {ref.get('name')} key {ref.get('key')}, which does not exist")
            for ef in c.get("envFrom") or []:
                if "configMapRef" in ef:
                    check(ef["configMapRef"].get("name") in configmaps,
                          f"{cw}: envFrom ConfigMap {ef['configMapRef'].get('name')} does not exist")
                if "secretRef" in ef:
                    check(ef["secretRef"].get("name") in secrets,
                          f"{cw}: envFrom Secret {ef['secretRef'].get('name')} does not exist")
            if is_cdm_image(c.get("image")):
                words = command_words(c.get("command")) + command_words(c.get("args"))
                binary = words[0] if words else "cdm-api"
                check(binary in SERVICE_BINARIES, f"{cw}: runs {binary!r}, not one of {SERVICE_BINARIES}")
                check(DEV_ONLY not in words, f"{cw}: runs the development broker, which is not for containers")
                for var in REQUIRED_ENV:
                    check(var in env_of(c), f"{cw}: {var} is not set")
                key = "migrate" if "--migrate-only" in words else binary
                binaries.setdefault(key, []).append((f"{kind} {name}", obj, c))

    check(any(obj["kind"] == "Job" for _, obj, _ in binaries.get("migrate", [])),
          "k8s: no Job runs `cdm-api --migrate-only`")
    for binary in SERVICE_BINARIES:
        check(any(w.startswith("Deployment ") for w, _, _ in binaries.get(binary, [])), f"k8s: no Deployment runs {binary}")

    # The API: probes, graceful stop, its Service.
    api_deployments = [obj for w, obj, _ in binaries.get("cdm-api", []) if obj["kind"] == "Deployment"]
    for w, obj, c in binaries.get("cdm-api", []):
        if obj["kind"] != "Deployment":
            continue
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            get = (c.get(probe) or {}).get("httpGet") or {}
            check(get.get("path") == path and resolve_port(get.get("port"), c) == API_PORT,
                  f"k8s: {w}: {probe} must be an httpGet of {path} on port {API_PORT}")
        check(c.get("startupProbe"), f"k8s: {w}: no startupProbe")
        check(((c.get("lifecycle") or {}).get("preStop")), f"k8s: {w}: no preStop (let the Service stop routing before SIGTERM)")
        check(any(p.get("containerPort") == API_PORT for p in c.get("ports") or []), f"k8s: {w}: containerPort {API_PORT} not declared")
        check((obj["spec"].get("replicas") or 1) >= 2, f"k8s: {w}: run at least 2 replicas")
    if check(services, "k8s: no Service"):
        for name, svc in services.items():
            sel = (svc.get("spec") or {}).get("selector") or {}
            targets = [d for d in api_deployments if subset(sel, template_labels(d))]
            check(targets, f"k8s: Service {name}: selector {sel} matches no API Deployment's pods")
            others = [d["metadata"]["name"] for d in deployments.values() if d not in api_deployments and subset(sel, template_labels(d))]
            check(not others, f"k8s: Service {name}: selector also matches {others}")
            for p in (svc.get("spec") or {}).get("ports") or []:
                tp = p.get("targetPort", p.get("port"))
                ok = any(resolve_port(tp, c) == API_PORT for d in targets for c in pod_spec(d).get("containers") or [])
                check(ok, f"k8s: Service {name}: targetPort {tp} is not the API's port {API_PORT}")
    for name, pdb in pdbs.items():
        sel = ((pdb.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        check(any(subset(sel, template_labels(d)) for d in deployments.values()),
              f"k8s: PodDisruptionBudget {name}: selector {sel} matches no Deployment")
    for w, obj, _ in binaries.get("cdm-relay", []):
        if obj["kind"] == "Deployment":
            check(obj["spec"].get("replicas") == 2, f"k8s: {w}: 2 replicas (one active, one hot standby)")
    for w, obj, _ in binaries.get("cdm-indicators", []):
        if obj["kind"] == "Deployment":
            check(1 <= (obj["spec"].get("replicas") or 1) <= PARTITIONS,
                  f"k8s: {w}: replicas beyond the {PARTITIONS} partitions of cdm.submissions sit idle")

    # A Job creates the topics with their partition count.
    creators = 0
    for name, job in jobs.items():
        for c in pod_spec(job).get("containers") or []:
            script = " ".join(command_words(c.get("command")) + command_words(c.get("args")))
            if "kafka-topics.sh" not in script or "--create" not in script:
                continue
            creators += 1
            env = {e.get("name"): e.get("value") for e in c.get("env") or []}
            for count in re.findall(r"--partitions\s+\"?\$?\{?([A-Za-z0-9_]+)\}?\"?", script):
                value = count if count.isdigit() else env.get(count)
                check(value == str(PARTITIONS), f"k8s: Job {name}: topics created with {value} partitions, not {PARTITIONS}")
            # The topic names come from the ConfigMap (or are written out).
            for topic, var in zip(TOPICS, ("CDM_TOPIC_SUBMISSIONS", "CDM_TOPIC_KPI_EVENTS")):
                check(topic in script or var in script, f"k8s: Job {name}: does not create {topic}")
    check(creators, "k8s: no Job creates the topics (kafka-topics.sh --create)")


def check_optional_tools():
    """Checks made only where the tool is installed (not required by the suite)."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        r = subprocess.run([kubectl, "kustomize", K8S], capture_output=True, text=True)
        check(r.returncode == 0, f"`kubectl kustomize deploy/k8s` failed: {r.stderr.strip()}")
    try:
        import kubernetes.client as kc  # Debian's python3-kubernetes
    except ImportError:
        return
    models = {n: getattr(kc, n) for n in dir(kc) if n.startswith("V") and hasattr(getattr(kc, n), "attribute_map")}
    kinds = {("apps/v1", "Deployment"): "V1Deployment", ("v1", "Service"): "V1Service",
             ("v1", "ConfigMap"): "V1ConfigMap", ("v1", "Secret"): "V1Secret", ("batch/v1", "Job"): "V1Job",
             ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget"}

    def walk(obj, cls_name, where):
        cls = models.get(cls_name)
        if cls is None:
            return
        fields = {v: k for k, v in cls.attribute_map.items()}
        for key, val in obj.items():
            if not check(key in fields, f"{where}.{key}: not a field of {cls_name}"):
                continue
            t = cls.openapi_types[fields[key]]
            if t.startswith("list[") and isinstance(val, list):
                for i, v in enumerate(val):
                    if isinstance(v, dict):
                        walk(v, t[5:-1], f"{where}.{key}[{i}]")
            elif isinstance(val, dict):
                walk(val, t, f"{where}.{key}")

    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        if os.path.basename(path) == "kustomization.yaml":
            continue
        try:
            docs = [d for d in load_all(read(path)) if isinstance(d, dict)]
        except yaml.YAMLError:
            continue
        for d in docs:
            cls = kinds.get((d.get("apiVersion"), d.get("kind")))
            if cls:
                walk(d, cls, f"{rel(path)}: {d.get('kind')} {(d.get('metadata') or {}).get('name')}")


check_compose()
check_dockerfile()
check_k8s()
check_optional_tools()
tail = f", {skipped} skipped" if skipped else ""
print(f"static_deploy: {passed} passed, {failed} failed{tail}")
sys.exit(1 if failed else 0)
