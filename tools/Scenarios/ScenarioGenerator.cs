using System.Text.Json.Nodes;

namespace Apmatrix.Scenarios;

/// <summary>
/// Random scenario files in the shape of the shared random cases: full scans, explicit config-changed windows with their
/// removals and probes in any order, a queue unbound and bound again, assignments with malformed and out-of-range ids,
/// mask changes, attach and detach; with <c>interleave</c> also an administrator's steps inside config-changed windows,
/// windows left open, probes or removals no configuration change explains and configurations above the maxima. Written
/// as scenario JSON, so a case that shows a difference can be kept as a file.
/// </summary>
public sealed class ScenarioGenerator(int seed, bool interleave = false)
{
    static readonly int[] SparseIds = [0, 1, 4, 5, 8, 10, 15, 16, 22, 27, 39, 59, 63, 64, 65, 73, 82, 87, 100, 112, 122, 126,
        140, 143, 151, 154, 163, 164, 191, 194, 200, 211, 221, 230, 234, 244, 248, 255];

    static readonly string[] OddIds = ["abc", "", "0x3", "0x0", "05", "0144", "1.5", "-1", "0\n", "5x", "0x", " 2", "+1", "010"];

    readonly Random _random = new(seed);
    int[] _adapters = [];
    int[] _domains = [];
    int _maxAdapter = 255, _maxDomain = 255;
    SortedSet<int> _apm = [], _aqm = [];
    readonly List<string> _mdevs = [];

    public string Json()
    {
        var small = _random.NextDouble() < 0.85;
        _adapters = small ? Enumerable.Range(0, 8).ToArray() : Subset(SparseIds, 0.25).DefaultIfEmpty(0).ToArray();
        _domains = small ? Enumerable.Range(0, 8).ToArray() : Subset(SparseIds, 0.25).DefaultIfEmpty(0).ToArray();
        if (small && _random.NextDouble() < 0.15) (_maxAdapter, _maxDomain) = (63, 15);
        _apm = Subset(_adapters, 0.5);
        _aqm = Subset(_domains, 0.5);
        var host = new JsonObject { ["apm"] = Ids(_apm), ["aqm"] = Ids(_aqm), ["adm"] = Ids(Subset(_domains, 0.4)) };
        var apmask = new SortedSet<int>();
        var aqmask = new SortedSet<int>();
        if (_random.NextDouble() < 0.4)
        {
            apmask = Subset(_adapters, 0.3);
            aqmask = Subset(_domains, 0.3);
            host["apmask"] = Ids(apmask);
            host["aqmask"] = Ids(aqmask);
        }
        if (_maxAdapter < 255)
        {
            host["maxAdapter"] = _maxAdapter;
            host["maxDomain"] = _maxDomain;
        }
        var scenario = new JsonObject
        {
            ["name"] = $"generated {seed}",
            ["mode"] = _random.NextDouble() < 0.67 ? "batched" : "per-queue",
            ["host"] = host,
            ["mdevs"] = Mdevs(apmask, aqmask),
            ["steps"] = Steps(),
            ["expect"] = new JsonObject { ["guests"] = new JsonObject() },
        };
        return scenario.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Set-up must succeed: the mdevs' APQNs are disjoint and none is reserved.</summary>
    JsonArray Mdevs(SortedSet<int> apmask, SortedSet<int> aqmask)
    {
        var mdevs = new JsonArray();
        var taken = new HashSet<(int, int)>();
        var count = _random.Next(1, 4);
        for (var i = 1; i <= count; i++)
        {
            var adapters = Subset(_adapters, 0.35);
            var domains = Subset(_domains, 0.3);
            var apqns = adapters.SelectMany(a => domains.Select(d => (a, d))).ToList();
            // The bus reserves an APQN when its adapter is in apmask and its domain in aqmask.
            if (apqns.Any(q => taken.Contains(q) || (apmask.Contains(q.a) && aqmask.Contains(q.d))))
                domains.Clear();
            taken.UnionWith(adapters.SelectMany(a => domains.Select(d => (a, d))));
            var name = $"m{i}";
            _mdevs.Add(name);
            var mdev = new JsonObject
            {
                ["name"] = name, ["adapters"] = Ids(adapters), ["domains"] = Ids(domains),
                ["controlDomains"] = Ids(Subset(_domains, 0.25)),
            };
            if (_random.NextDouble() < 0.6) mdev["guest"] = $"g{i}";
            mdevs.Add(mdev);
        }
        return mdevs;
    }

    JsonArray Steps()
    {
        var steps = new JsonArray();
        var count = _random.NextDouble() < 0.3 ? _random.Next(1, 5) : _random.Next(5, 30);
        while (steps.Count < count)
        {
            var roll = _random.Next(100);
            if (roll < 16 && interleave && _maxDomain < 255 && _random.Next(10) == 0) AboveMaxima(steps);
            else if (roll < 16) Config(steps, "config");
            else if (roll < 30) Window(steps);
            else if (roll < 34) Rebind(steps);
            else if (interleave && roll < 37) Stray(steps);
            else Admin(steps);
        }
        return steps;
    }

    /// <summary>An administrator's step: assign or unassign, a mask change, attach or detach.</summary>
    void Admin(JsonArray steps)
    {
        var roll = _random.Next(66);
        if (roll < 28) Assign(steps, _random.Next(3) switch { 0 => "adapter", 1 => "domain", _ => "control-domain" }, "assign");
        else if (roll < 44) Assign(steps, _random.Next(3) switch { 0 => "adapter", 1 => "domain", _ => "control-domain" }, "unassign");
        else if (roll < 52) steps.Add(new JsonObject { ["op"] = "set-masks", ["apmask"] = Ids(Subset(_adapters, 0.2)), ["aqmask"] = Ids(Subset(_domains, 0.2)) });
        else if (roll < 59) steps.Add(new JsonObject { ["op"] = "attach", ["mdev"] = Mdev(), ["guest"] = $"g{_random.Next(1, 4)}" });
        else steps.Add(new JsonObject { ["op"] = "detach", ["mdev"] = Mdev() });
    }

    /// <summary>A full scan (<c>config</c>) or only its config-changed notification, to a neighbour of the current configuration.</summary>
    (SortedSet<int> Apm, SortedSet<int> Aqm) Config(JsonArray steps, string op)
    {
        var apm = Flip(_apm, _adapters);
        var aqm = Flip(_aqm, _domains);
        steps.Add(new JsonObject { ["op"] = op, ["apm"] = Ids(apm), ["aqm"] = Ids(aqm), ["adm"] = Ids(Subset(_domains, 0.4)) });
        var before = (_apm, _aqm);
        (_apm, _aqm) = (apm, aqm);
        return before;
    }

    /// <summary>A full scan to a configuration naming a domain above the host's maximum: refused, so the state stays.</summary>
    void AboveMaxima(JsonArray steps) =>
        steps.Add(new JsonObject { ["op"] = "config", ["apm"] = Ids(_apm), ["aqm"] = Ids(_aqm.Append(_maxDomain + 1)), ["adm"] = "" });

    /// <summary>
    /// Config changed, then every vanished queue's removal and every new queue's probe in a random order, then scan complete;
    /// with <c>interleave</c> the window may instead stay open or end in a full scan to its own configuration.
    /// </summary>
    void Window(JsonArray steps)
    {
        var opened = steps.Count;
        var (apm, aqm) = Config(steps, "config-changed");
        var before = Queues(apm, aqm);
        var after = Queues(_apm, _aqm);
        var events = before.Except(after).Select(q => ("remove", q)).Concat(after.Except(before).Select(q => ("probe", q)))
            .OrderBy(_ => _random.Next()).ToList();
        foreach (var (op, (a, d)) in events)
        {
            steps.Add(new JsonObject { ["op"] = op, ["apqn"] = $"{a:x2}.{d:x4}" });
            if (interleave && _random.NextDouble() < 0.15) Admin(steps);
        }
        if (!interleave || _random.NextDouble() < 0.85) steps.Add(new JsonObject { ["op"] = "scan-complete" });
        else if (_random.Next(2) == 0)
        {
            var rescan = steps[opened]!.DeepClone().AsObject();
            rescan["op"] = "config";
            steps.Add(rescan);
        }
    }

    /// <summary>A queue of the configuration unbound from vfio_ap and bound again.</summary>
    void Rebind(JsonArray steps)
    {
        var queues = Queues(_apm, _aqm);
        if (queues.Count == 0) return;
        var (a, d) = queues[_random.Next(queues.Count)];
        steps.Add(new JsonObject { ["op"] = "remove", ["apqn"] = $"{a:x2}.{d:x4}" });
        steps.Add(new JsonObject { ["op"] = "probe", ["apqn"] = $"{a:x2}.{d:x4}" });
    }

    /// <summary>A probe or removal the configuration does not explain: a queue outside it, above the maxima, or probed twice.</summary>
    void Stray(JsonArray steps)
    {
        var adapter = _random.Next(8) == 0 ? _maxAdapter + 1 : _adapters[_random.Next(_adapters.Length)];
        var domain = _random.Next(8) == 0 ? _maxDomain + 1 : _domains[_random.Next(_domains.Length)];
        steps.Add(new JsonObject { ["op"] = _random.Next(2) == 0 ? "probe" : "remove", ["apqn"] = $"{Math.Min(adapter, 255):x2}.{Math.Min(domain, 255):x4}" });
    }

    void Assign(JsonArray steps, string what, string verb)
    {
        var ids = what == "adapter" ? _adapters : _domains;
        var max = what == "adapter" ? _maxAdapter : _maxDomain;
        JsonNode id = _random.Next(20) switch
        {
            0 => OddIds[_random.Next(OddIds.Length)],
            1 => new[] { 256, 300, 1000, max + 1 }[_random.Next(4)],
            2 => ids[_random.Next(ids.Length)].ToString(),
            _ => ids[_random.Next(ids.Length)],
        };
        steps.Add(new JsonObject { ["op"] = $"{verb}-{what}", ["mdev"] = Mdev(), ["id"] = id });
    }

    string Mdev() => _random.Next(25) == 0 ? "nope" : _mdevs[_random.Next(_mdevs.Count)];

    static List<(int, int)> Queues(SortedSet<int> apm, SortedSet<int> aqm) => apm.SelectMany(a => aqm.Select(d => (a, d))).ToList();

    SortedSet<int> Flip(SortedSet<int> current, int[] ids)
    {
        var next = new SortedSet<int>(current);
        foreach (var id in ids)
            if (_random.NextDouble() < 0.25 && !next.Remove(id)) next.Add(id);
        return next;
    }

    SortedSet<int> Subset(int[] ids, double p) => new(ids.Where(_ => _random.NextDouble() < p));

    static string Ids(IEnumerable<int> ids) => string.Join(',', ids);
}
