"""Scale benchmarks: `make bench` (never run by the tests).

Analysis: for each size, a synthetic estate (`safemaker.scanner.devtools.synth`) is written to a file by
one subprocess and read back by another that does what `safemaker analyze --format json` does,
timing each step: load (read_json), validate (the partial validation), analyze (analyze_snapshot,
with --jobs processes: by default as the CLI chooses), write (render and write findings.json),
total; the peak RSS of the largest analysing process, findings, and the scaling ratio for the
analyze step where the previous size is half this one.
The NET-001 column counts verdicts that differ from what the synthetic variant must get (0
expected). The development machine is shared and its speed drifts by up to 40% within minutes,
so each analysing process times a fixed pure-Python loop just before and after the analysis;
"norm cpu s" is the analysis CPU time (of every analysing process) scaled to that loop's speed in a quiet minute
(REFERENCE_SPEED), and the ratio norm(2N)/norm(N) is taken on it. Raw wall and CPU seconds are
printed too.

Collection: a moto server in a process of its own (127.0.0.1, free port) holds K copies of a small
SageMaker estate (public and private subnet, IGW, NAT gateway, route tables, security group, a
notebook with a lifecycle configuration, a training job, a processing job, a model); a WSGI
wrapper holds each of the collector's requests for the given latency (AWS's round trip) before
moto answers. `collect_snapshot`, or `collect_organization` over an organization of two accounts
each holding the K copies, runs against it; API calls are counted with `before-call`, HTTP
requests with `before-send`, and each account's first and last progress line are timed to show
whether accounts overlap.

    bench/run.py [--max N] [--quick] [--seed S] [--repeat R] [--jobs J] [--timeout SEC] [--no-collect] [--no-analysis]
                 [--collect-repeat R] [--keep DIR]
    bench/run.py --profile N [--sample K]   # cProfile of the analyze path on K notebooks of size N
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

SIZES = (100, 200, 400, 800, 1250, 2500, 5000, 10000)  # doubling, so most rows have a ratio
QUICK_MAX = 200
REGION = "eu-west-1"


def shape(notebooks: int) -> int:
    """VPCs for a size: notebooks/2, at most 5,000 (synth gives about 10 subnets per VPC)."""
    return max(6, min(5000, notebooks // 2))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def _emit(result: dict[str, Any]) -> None:
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------------------------
# workers (each runs in its own process)


def worker_synth(vpcs: int, notebooks: int, seed: int, path: str) -> None:
    from safemaker.scanner.devtools.synth import synth_json

    start = time.perf_counter()
    text = synth_json(vpcs, notebooks, seed)
    elapsed = time.perf_counter() - start
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    _emit({"synth_s": elapsed, "bytes": len(text)})


def _cpu_s() -> float:
    """CPU seconds of this process and of the analysis processes it forked and waited for."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def worker_analyze(path: str, jobs: int | None) -> None:
    """What `safemaker analyze PATH --format json --output-dir DIR` does, step by step, timed."""
    from safemaker.reports.findings_json import render_json_pieces
    from safemaker.scanner.checking.engine import analysis_jobs, paused_gc
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.config import Config
    from safemaker.scanner.devtools.synth import EXPECTED, variant_of
    from safemaker.scanner.pipeline import analyze_snapshot, planned_work
    from safemaker.scanner.snapshot.io import read_json, snapshot_from_doc

    begin = start = time.perf_counter()
    doc = read_json(path)
    load_s = time.perf_counter() - start
    rss_loaded = _rss_mb()
    start = time.perf_counter()
    snapshot = snapshot_from_doc(doc, path, jobs)  # the partial validation the CLI runs
    validate_s = time.perf_counter() - start
    registry = load_registry()
    speed = calibration()
    used = analysis_jobs(jobs, planned_work(snapshot, registry, Config())[0])
    start, cpu = time.perf_counter(), _cpu_s()
    with paused_gc():  # as the CLI runs it
        report = analyze_snapshot(snapshot, Config(), registry, jobs=used)
    analyze_s, analyze_cpu = time.perf_counter() - start, _cpu_s() - cpu
    start = time.perf_counter()
    pieces = render_json_pieces(report)  # written in turn, as the CLI writes them
    with open(path + ".findings.json", "w", encoding="utf-8") as fh:
        fh.writelines(pieces)
    size = sum(len(p) for p in pieces)
    del pieces
    write_s = time.perf_counter() - start
    total_s = time.perf_counter() - begin
    os.unlink(path + ".findings.json")
    speed = (speed + calibration()) / 2
    findings = report.findings
    statuses = collections.Counter(f.status.value for f in findings)
    wrong = 0
    for f in findings:
        variant = variant_of(f.resource.id) if f.check_id == "NET-001" else None
        if variant is not None and EXPECTED[variant][0] != f.status.value:
            wrong += 1
    region = next(iter(next(iter(doc["accounts"].values())).values()))
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    _emit({
        "subnets": len(region["ec2"]["DescribeSubnets"]["Subnets"]),
        "vpcs": len(region["ec2"]["DescribeVpcs"]["Vpcs"]),
        "notebooks": len(region["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]),
        "load_s": load_s, "validate_s": validate_s, "analyze_s": analyze_s, "analyze_cpu": analyze_cpu,
        "write_s": write_s, "total_s": total_s, "jobs": used, "findings_mb": size / 1e6,
        "speed": speed, "analyze_norm": analyze_cpu * REFERENCE_SPEED / speed,
        "rss_loaded_mb": rss_loaded, "rss_peak_mb": max(_rss_mb(), children_rss),
        "findings": len(findings), "statuses": dict(statuses), "net001_wrong": wrong,
    })


def worker_profile(notebooks: int, seed: int, sample: int, out: str) -> None:
    """cProfile of run_checks on `sample` notebooks of a full-size estate (all of its network)."""
    import cProfile
    import pstats

    from safemaker.scanner.checking.engine import run_checks
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.devtools.synth import synth_snapshot
    from safemaker.scanner.snapshot.io import Snapshot

    doc = synth_snapshot(shape(notebooks), notebooks, seed)
    region = doc["accounts"]["111122223333"][REGION]
    listed = region["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]
    step = max(1, len(listed) // sample)
    region["sagemaker"]["ListNotebookInstances"]["NotebookInstances"] = listed[::step][:sample]
    registry = load_registry()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    findings = run_checks(Snapshot(doc), registry)
    profiler.disable()
    elapsed = time.perf_counter() - start
    profiler.dump_stats(out)
    with open(out + ".txt", "w", encoding="utf-8") as fh:
        stats = pstats.Stats(profiler, stream=fh)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    _emit({"profile_s": elapsed, "findings": len(findings), "sampled": min(sample, len(listed))})


class _Latency:
    """WSGI wrapper around moto's server app: AWS's round trip, on the collector's requests only.

    Every request whose User-Agent names safemaker (the collector's clients say so) waits
    ``seconds`` before moto answers it, as a call to AWS waits 20-100 ms; the estate is built
    without the wait so that building 50 copies does not dominate the run. ListUserProfiles and
    ListSpaces, which moto answers with HTTP 500 (not implemented), get an empty page: the estate
    creates neither, so that is the truth, and the benchmark then measures safemaker rather
    than retries of moto's gaps.
    """

    EMPTY = {"ListUserProfiles": b'{"UserProfiles": []}', "ListSpaces": b'{"Spaces": []}'}

    def __init__(self, app: Any, seconds: float) -> None:
        self._app = app
        self._seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if "safemaker/" in environ.get("HTTP_USER_AGENT", "") and self._seconds > 0:
            time.sleep(self._seconds)
        target = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1]
        if target in self.EMPTY:
            body = self.EMPTY[target]
            start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        return self._app(environ, start_response)


def worker_moto(latency_ms: float) -> None:
    """A moto server in its own process (as AWS is not in ours): prints its port, serves until killed."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """One line per request would only slow the server down."""

    app = _Latency(DomainDispatcherApplication(create_backend_app), latency_ms / 1000.0)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    sys.stdout.write(f"PORT {server.server_port}\n")
    sys.stdout.flush()
    server.serve_forever()


def _sandbox_env() -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                       "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                       "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"})


def worker_collect(copies: int, latency_ms: float, accounts: int) -> None:
    """Collect K copies (in each of `accounts` accounts of an organization when 2 or more) from a
    moto server in another process that adds `latency_ms` to each of the collector's requests."""
    _sandbox_env()
    import boto3

    server = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", "moto",
                               "--latency-ms", str(latency_ms)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError("the moto server did not start")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        start = time.perf_counter()
        base = boto3.session.Session(region_name=REGION)
        member_ids = _build_accounts(base, url, copies, accounts)
        build_s = time.perf_counter() - start
        result = _timed_collection(url, accounts)
    finally:
        server.kill()
        server.wait()
    doc = result.pop("doc")
    first = next(iter(doc["accounts"].values()))[REGION]
    _emit({
        **result, "copies": copies, "latency_ms": latency_ms, "accounts": accounts, "build_s": build_s,
        "failed": sorted({f"{e['service']}:{e['operation']}" for e in doc.get("errors", [])}),
        "errors": len(doc.get("errors", [])), "collected_accounts": sorted(doc["accounts"]),
        "members": member_ids,
        "notebooks": len(first.get("sagemaker", {}).get("ListNotebookInstances", {}).get("NotebookInstances", [])),
    })


def _timed_collection(url: str, accounts: int) -> dict[str, Any]:
    """One collection, with its API calls and HTTP requests counted and each account's first and
    last progress line timed (to show whether accounts overlapped)."""
    import boto3

    from safemaker.scanner.collect import collect_snapshot

    session = boto3.session.Session(region_name=REGION)
    calls: collections.Counter[str] = collections.Counter()
    sent = [0]

    def count(model: Any, **_: Any) -> None:
        calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def count_sent(**_: Any) -> None:
        sent[0] += 1

    session.events.register("before-call", count)
    session.events.register_last("before-send", count_sent)
    windows: dict[str, list[float]] = {}
    start, cpu = time.perf_counter(), time.process_time()

    def progress(line: str) -> None:
        m = re.match(r"collect (\d{12})[/:]", line)
        if m:
            at = time.perf_counter() - start
            span = windows.setdefault(m.group(1), [at, at])
            span[1] = at

    if accounts > 1:
        from safemaker.scanner.collect.org import collect_organization

        def assume(base: Any, role_arn: str, **kwargs: Any) -> Any:
            from safemaker.scanner.collect.sessions import assumed_session

            made = assumed_session(base, role_arn, **kwargs)
            made.events.register("before-call", count)  # each account's own session counts too
            made.events.register_last("before-send", count_sent)
            return made

        doc = collect_organization(session, "bench-audit", regions=[REGION], endpoint_url=url,
                                   progress=progress, assume=assume, max_attempts=2)
    else:
        doc = collect_snapshot(session, [REGION], endpoint_url=url, max_attempts=2, progress=progress)
    collect_s, collect_cpu = time.perf_counter() - start, time.process_time() - cpu
    by_service: collections.Counter[str] = collections.Counter()
    for key, n in calls.items():
        by_service[key.split(":", 1)[0]] += n
    return {"doc": doc, "collect_s": collect_s, "collect_cpu": collect_cpu, "calls": sum(calls.values()),
            "requests": sent[0], "by_service": dict(sorted(by_service.items())),
            "windows": {a: [round(t, 2) for t in w] for a, w in sorted(windows.items())}}


def _build_accounts(base: Any, url: str, copies: int, accounts: int) -> list[str]:
    """The estate in the caller's account and, for an organization, in each member account too."""
    if accounts <= 1:
        _build_estate(base, url, copies)
        return []
    import boto3

    org = base.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    members = []
    for i in range(accounts - 1):
        status = org.create_account(Email=f"bench{i}@example.com", AccountName=f"bench{i}")["CreateAccountStatus"]
        members.append(str(status["AccountId"]))
    _build_estate(base, url, copies)
    sts = base.client("sts", endpoint_url=url)
    for member in members:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/bench-audit",
                                RoleSessionName="bench-build")["Credentials"]
        _build_estate(boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                            aws_secret_access_key=creds["SecretAccessKey"],
                                            aws_session_token=creds["SessionToken"], region_name=REGION),
                      url, copies)
    return members


def _build_estate(session: Any, url: str, copies: int) -> None:
    """K copies of a small SageMaker estate: a private notebook subnet behind a NAT gateway, the
    notebook with a lifecycle configuration, and a training job, a processing job and a model
    in the same subnet (about ten collector requests per copy)."""
    ec2 = session.client("ec2", endpoint_url=url)
    sm = session.client("sagemaker", endpoint_url=url)
    iam = session.client("iam", endpoint_url=url)
    account = session.client("sts", endpoint_url=url).get_caller_identity()["Account"]
    image = f"{account}.dkr.ecr.{REGION}.amazonaws.com/train:1"
    role = iam.create_role(RoleName="bench-sagemaker", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "sagemaker.amazonaws.com"}}]}))["Role"]["Arn"]
    for k in range(copies):
        vpc = ec2.create_vpc(CidrBlock=f"10.{k}.0.0/16")["Vpc"]["VpcId"]
        public = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{k}.0.0/24", AvailabilityZone=f"{REGION}a")
        private = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{k}.1.0/24", AvailabilityZone=f"{REGION}a")
        public_id, private_id = public["Subnet"]["SubnetId"], private["Subnet"]["SubnetId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public_id, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public_id)
        private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private_id)
        sg = ec2.create_security_group(GroupName=f"notebooks-{k}", Description="notebooks", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": f"10.{k}.0.0/16"}]}])
        sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=f"bench-lcc-{k}",
                                                     OnStart=[{"Content": "ZXhwb3J0IEE9MQo="}])
        sm.create_notebook_instance(NotebookInstanceName=f"bench-nb-{k}", InstanceType="ml.t3.medium",
                                    RoleArn=role, SubnetId=private_id, SecurityGroupIds=[sg],
                                    LifecycleConfigName=f"bench-lcc-{k}", DirectInternetAccess="Disabled")
        vpc_config = {"SecurityGroupIds": [sg], "Subnets": [private_id]}
        sm.create_training_job(
            TrainingJobName=f"bench-train-{k}", RoleArn=role, VpcConfig=vpc_config,
            AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": "s3://bench/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 60})
        sm.create_processing_job(
            ProcessingJobName=f"bench-proc-{k}", RoleArn=role, StoppingCondition={"MaxRuntimeInSeconds": 600},
            ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                   "VolumeSizeInGB": 10}},
            AppSpecification={"ImageUri": image},
            NetworkConfig={"EnableNetworkIsolation": False, "VpcConfig": vpc_config})
        sm.create_model(ModelName=f"bench-model-{k}", ExecutionRoleArn=role, PrimaryContainer={"Image": image},
                        VpcConfig=vpc_config)


# --------------------------------------------------------------------------------------------
# driver


def _child(args: list[str], timeout: float | None) -> dict[str, Any] | None:
    """Run this script as a worker; None on timeout. Worker stderr is shown only when it fails
    (the moto server logs every request and every unimplemented operation there)."""
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            loaded: dict[str, Any] = json.loads(line[len("RESULT "):])
            return loaded
    sys.stderr.write(proc.stderr[-4000:])
    raise RuntimeError(f"worker {' '.join(args)} failed with exit status {proc.returncode}")


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))


# The calibration loop's CPU seconds on the development machine in a quiet minute: "norm cpu s"
# is what the analysis would have taken at that speed (the shared machine varies by up to 40%).
REFERENCE_SPEED = 0.45


def calibration() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast the machine is right now."""
    start = time.process_time()
    sum(range(30_000_000))
    return time.process_time() - start


def bench_analysis(sizes: list[int], seed: int, timeout: float, folder: str, repeat: int = 2,
                   jobs: int | None = None) -> None:
    head = ["notebooks", "vpcs", "subnets", "snap MB", "load s", "validate s", "jobs", "analyze s", "cpu s",
            "norm cpu s", "write s", "total s", "peak RSS MB", "findings", "PASS/FAIL/ERROR", "NET-001 wrong",
            "norm(2N)/norm(N)"]
    widths = [max(len(h), 9) for h in head]
    widths[14] = 17
    print(f"\n== analysis (`safemaker analyze --format json` step by step in one process per run, best of "
          f"{repeat} runs, of 5 below 1,000 notebooks; cpu s = all analysing processes) ==")
    print(_row(head, widths))
    times: dict[int, float] = {}
    stopped = False
    for n in sizes:
        vpcs = shape(n)
        if stopped:
            print(_row([str(n), str(vpcs)] + ["skipped"] + [""] * (len(head) - 3), widths))
            continue
        path = os.path.join(folder, f"synth-{n}.json")
        made = _child(["--worker", "synth", "--vpcs", str(vpcs), "--notebooks", str(n), "--seed", str(seed),
                       "--path", path], timeout)
        if made is None:
            print(_row([str(n), str(vpcs), f"synth timeout >{timeout:.0f}s"] + [""] * (len(head) - 3), widths))
            stopped = True
            continue
        res = None
        # best of `repeat` (more for sub-second sizes): shared machines slow down and speed up
        for _ in range(repeat if n >= 1000 else max(repeat, 5)):
            run = _child(["--worker", "analyze", "--path", path] + (["--jobs", str(jobs)] if jobs else []), timeout)
            if run is None:
                res = None
                break
            if res is not None:
                run["rss_peak_mb"] = max(run["rss_peak_mb"], res["rss_peak_mb"])
                for key in ("load_s", "validate_s", "analyze_s", "analyze_cpu", "analyze_norm", "write_s", "total_s"):
                    run[key] = min(run[key], res[key])
            res = run
        if res is None:
            cells = [str(n), str(vpcs), "", f"{made['bytes'] / 1e6:.1f}", "", "", "",
                     f"timeout >{timeout:.0f}s"] + [""] * (len(head) - 8)
            print(_row(cells, widths))
            stopped = True
            os.unlink(path)
            continue
        times[n] = res["analyze_norm"]
        ratio = f"{res['analyze_norm'] / times[n // 2]:.2f}" if n // 2 in times and n % 2 == 0 else ""
        st = res["statuses"]
        print(_row([
            str(res["notebooks"]), str(res["vpcs"]), str(res["subnets"]), f"{made['bytes'] / 1e6:.1f}",
            f"{res['load_s']:.1f}", f"{res['validate_s']:.1f}", str(res["jobs"]), f"{res['analyze_s']:.1f}",
            f"{res['analyze_cpu']:.1f}", f"{res['analyze_norm']:.1f}", f"{res['write_s']:.1f}",
            f"{res['total_s']:.1f}", f"{res['rss_peak_mb']:.0f}", str(res["findings"]),
            f"{st.get('PASS', 0)}/{st.get('FAIL', 0)}/{st.get('ERROR', 0)}", str(res["net001_wrong"]), ratio,
        ], widths), flush=True)
        if not os.environ.get("SAFEMAKER_BENCH_KEEP"):
            os.unlink(path)


# (copies, added latency in ms, accounts): the plain moto server at 1 and 50 copies (is the
# collector's CPU in the way?), the same with AWS-like latency (does it wait well?), and an
# organization of two accounts (are accounts collected at the same time?).
COLLECT_RUNS = ((1, 0, 1), (50, 0, 1), (1, 50, 1), (50, 50, 1), (50, 50, 2))
QUICK_COLLECT_RUNS = ((1, 0, 1), (1, 50, 1), (1, 50, 2))


def bench_collection(runs: tuple[tuple[int, int, int], ...], timeout: float, repeat: int = 1) -> None:
    print("\n== collection (collect_snapshot / collect_organization against a moto server in another process "
          "that adds the given latency to every collector request; calls counted by before-call, HTTP requests "
          f"by before-send; best of {repeat}) ==")
    head = ["copies", "accounts", "latency ms", "build s", "collect s", "client CPU s", "API calls",
            "HTTP requests", "errors", "notebooks"]
    widths = [max(len(h), 6) for h in head]
    print(_row(head, widths) + "  account windows (s from start)")
    last: dict[str, Any] | None = None
    for k, latency, accounts in runs:
        res: dict[str, Any] | None = None
        for _ in range(max(1, repeat)):
            run = _child(["--worker", "collect", "--copies", str(k), "--latency-ms", str(latency),
                          "--accounts", str(accounts)], timeout)
            if run is not None and (res is None or run["collect_s"] < res["collect_s"]):
                res = run
        if res is None:
            print(_row([str(k), str(accounts), str(latency), "", f"timeout >{timeout:.0f}s"] + [""] * 5, widths))
            continue
        spans = ", ".join(f"{a[-4:]}: {w[0]:.2f}-{w[1]:.2f}" for a, w in res["windows"].items()) if accounts > 1 else ""
        print(_row([str(k), str(accounts), str(latency), f"{res['build_s']:.1f}", f"{res['collect_s']:.2f}",
                    f"{res['collect_cpu']:.2f}", str(res["calls"]), str(res["requests"]), str(res["errors"]),
                    str(res["notebooks"])], widths)
              + f"  {spans}", flush=True)
        last = res
    if last is not None and last["failed"]:
        print(f"  calls moto cannot answer (recorded in errors, as absent data): {', '.join(last['failed'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=max(SIZES), help="largest notebook count to run")
    parser.add_argument("--quick", action="store_true", help=f"sizes up to {QUICK_MAX} and K=1 only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2, help="analysis runs per size (the best is shown)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="per-process limit in seconds")
    parser.add_argument("--no-collect", action="store_true", help="skip the collection benchmark")
    parser.add_argument("--no-analysis", action="store_true", help="skip the analysis benchmark")
    parser.add_argument("--keep", default=None, help="folder to keep the synthetic snapshots in")
    parser.add_argument("--jobs", type=int, default=None,
                        help="analysis processes (default: as the CLI chooses, one per usable CPU up to 4)")
    parser.add_argument("--profile", type=int, default=None, metavar="N", help="profile the analyze path at N")
    parser.add_argument("--sample", type=int, default=50, help="notebooks analysed under --profile")
    parser.add_argument("--collect-repeat", type=int, default=1, help="collection runs per row (the best is shown)")
    parser.add_argument("--worker", choices=("synth", "analyze", "collect", "profile", "moto"), help=argparse.SUPPRESS)
    parser.add_argument("--latency-ms", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--accounts", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--vpcs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--notebooks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker == "synth":
        worker_synth(args.vpcs, args.notebooks, args.seed, args.path)
        return 0
    if args.worker == "analyze":
        worker_analyze(args.path, args.jobs)
        return 0
    if args.worker == "collect":
        worker_collect(args.copies, args.latency_ms, args.accounts)
        return 0
    if args.worker == "moto":
        worker_moto(args.latency_ms)
        return 0
    if args.worker == "profile":
        worker_profile(args.notebooks, args.seed, args.sample, args.path)
        return 0
    if args.profile is not None:
        out = os.path.abspath(f"bench-profile-{args.profile}.prof")
        res = _child(["--worker", "profile", "--notebooks", str(args.profile), "--seed", str(args.seed),
                      "--sample", str(args.sample), "--path", out], args.timeout)
        if res is None:
            print(f"profile timed out after {args.timeout:.0f}s")
            return 1
        print(f"profiled {res['sampled']} of {args.profile} notebooks in {res['profile_s']:.1f}s "
              f"({res['findings']} findings); stats in {out} and {out}.txt")
        with open(out + ".txt", encoding="utf-8") as fh:
            print(fh.read())
        return 0

    limit = min(args.max, QUICK_MAX) if args.quick else args.max
    sizes = [n for n in SIZES if n <= limit]
    print(f"safemaker bench: sizes {sizes}, seed {args.seed}, per-process timeout {args.timeout:.0f}s, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"machine speed: sum(range(3e7)) takes {calibration():.2f} CPU s now (compare runs by it)")
    if not args.no_analysis and sizes:
        if args.keep:
            os.makedirs(args.keep, exist_ok=True)
            os.environ["SAFEMAKER_BENCH_KEEP"] = "1"
            bench_analysis(sizes, args.seed, args.timeout, args.keep, max(1, args.repeat), args.jobs)
        else:
            with tempfile.TemporaryDirectory(prefix="safemaker-bench-") as folder:
                bench_analysis(sizes, args.seed, args.timeout, folder, max(1, args.repeat), args.jobs)
    if not args.no_collect:
        bench_collection(QUICK_COLLECT_RUNS if args.quick else COLLECT_RUNS, args.timeout, args.collect_repeat)
    print(f"\nmachine speed at the end: sum(range(3e7)) takes {calibration():.2f} CPU s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
