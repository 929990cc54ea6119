using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

/// <summary>
/// Reads the scenario format (tests/scenarios/README.md), reporting the first fault by JSON path. A field the format does
/// not define (none the reader asks for) is passed over and named in <see cref="Scenario.Ignored"/>: a misspelt one would
/// otherwise go unseen.
/// </summary>
public static class ScenarioReader
{
    static readonly Dictionary<string, StepOp> Ops = new()
    {
        ["config"] = StepOp.Config, ["config-changed"] = StepOp.ConfigChanged, ["probe"] = StepOp.Probe,
        ["remove"] = StepOp.Remove, ["scan-complete"] = StepOp.ScanComplete,
        ["assign-adapter"] = StepOp.AssignAdapter, ["assign-domain"] = StepOp.AssignDomain,
        ["assign-control-domain"] = StepOp.AssignControlDomain, ["unassign-adapter"] = StepOp.UnassignAdapter,
        ["unassign-domain"] = StepOp.UnassignDomain, ["unassign-control-domain"] = StepOp.UnassignControlDomain,
        ["attach"] = StepOp.Attach, ["detach"] = StepOp.Detach, ["set-masks"] = StepOp.SetMasks,
    };

    public static Scenario ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioFormatException(path, "$", $"cannot read the file: {e.Message}");
        }
        return Read(path, text);
    }

    public static Scenario Read(string file, string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            var (place, why) = JsonSyntax.Describe(e);
            throw new ScenarioFormatException(file, place ?? "the file", $"not valid JSON: {why}");
        }
        using (document)
            return new Reader(file).Scenario(document.RootElement);
    }

    sealed class Reader(string file)
    {
        readonly List<string> _ignored = [];
        /// <summary>Every field asked for, as its JSON path, present or not: what the format defines is what the reader asks.</summary>
        readonly HashSet<string> _asked = new(StringComparer.Ordinal);

        public Scenario Scenario(JsonElement root)
        {
            Expect(root, "$", JsonValueKind.Object);
            var name = OptionalString(root, "$", "name") ?? Path.GetFileNameWithoutExtension(file);
            var mode = Mode(OptionalString(root, "$", "mode") ?? HotPlugModes.Name(HotPlugMode.Batched));
            var host = Required(root, "$", "host", JsonValueKind.Object);
            var config = new ApConfig(Ids(host, "$.host", "apm"), Ids(host, "$.host", "aqm"), Ids(host, "$.host", "adm"),
                MaxId(host, "maxAdapter"), MaxId(host, "maxDomain"));
            if (config.AboveMaxima() is [var above, ..]) throw Fault($"$.host.{above.Field}", above.Problem);
            var permissions = new ApPermissions(OptionalIds(host, "$.host", "apmask"), OptionalIds(host, "$.host", "aqmask"));
            Unread(host, "$.host");
            var mdevs = Items(root, "mdevs", required: false).Select(item => Mdev(item.Element, item.Path)).ToList();
            foreach (var duplicate in mdevs.GroupBy(m => m.Name).Where(g => g.Count() > 1))
                throw Fault("$.mdevs", $"mdev name '{duplicate.Key}' appears twice");
            var steps = Items(root, "steps", required: true).Select((item, i) => Step(item.Element, item.Path, i)).ToList();
            var expect = Required(root, "$", "expect", JsonValueKind.Object);
            var guests = Required(expect, "$.expect", "guests", JsonValueKind.Object);
            var expectations = new Dictionary<string, GuestExpectation>();
            foreach (var guest in guests.EnumerateObject())
            {
                var path = $"$.expect.guests.{guest.Name}";
                Expect(guest.Value, path, JsonValueKind.Object);
                var updates = Required(guest.Value, path, "updates", JsonValueKind.Number);
                if (!updates.TryGetInt64(out var count) || count < 0)
                    throw Fault($"{path}.updates", "must be a whole number, 0 or more");
                expectations[guest.Name] = new GuestExpectation(Ids(guest.Value, path, "apm"), Ids(guest.Value, path, "aqm"),
                    Ids(guest.Value, path, "adm"), count);
                Unread(guest.Value, path);
            }
            Unread(expect, "$.expect");
            Unread(root, "$");
            return new Scenario(file, name, mode, config, permissions, mdevs, steps, expectations) { Ignored = _ignored };
        }

        /// <summary>Only the exact API names: <see cref="HotPlugModes.TryParse"/> also forgives case, spaces and "perqueue".</summary>
        HotPlugMode Mode(string name) =>
            HotPlugModes.TryParse(name, out var mode) && HotPlugModes.Name(mode) == name
                ? mode
                : throw Fault("$.mode", $"'{name}' is not a mode ({string.Join(" or ", Enum.GetValues<HotPlugMode>().Select(HotPlugModes.Name))})");

        ScenarioMdev Mdev(JsonElement item, string path)
        {
            Expect(item, path, JsonValueKind.Object);
            var mdev = new ScenarioMdev(RequiredString(item, path, "name"), OptionalIds(item, path, "adapters"),
                OptionalIds(item, path, "domains"), OptionalIds(item, path, "controlDomains"), OptionalString(item, path, "guest"));
            Unread(item, path);
            return mdev;
        }

        ScenarioStep Step(JsonElement item, string path, int index)
        {
            Expect(item, path, JsonValueKind.Object);
            var opName = RequiredString(item, path, "op");
            if (!Ops.TryGetValue(opName, out var op))
                throw Fault($"{path}.op", $"unknown op '{opName}' (one of {string.Join(", ", Ops.Keys)})");
            MatrixErrorKind? expectError = null;
            if (OptionalString(item, path, "expectError") is { } kindName)
                expectError = MatrixException.TryParseKind(kindName, out var kind)
                    ? kind
                    : throw Fault($"{path}.expectError", $"unknown error kind '{kindName}'");
            var step = new ScenarioStep(index, op, opName) { ExpectError = expectError };
            var read = op switch
            {
                StepOp.Config or StepOp.ConfigChanged => step with
                {
                    Config = new ApMatrix(Ids(item, path, "apm"), Ids(item, path, "aqm"), Ids(item, path, "adm")),
                },
                StepOp.Probe or StepOp.Remove => step with { Apqn = Apqn(item, path) },
                StepOp.ScanComplete => step,
                StepOp.Attach => step with { Mdev = RequiredString(item, path, "mdev"), Guest = RequiredString(item, path, "guest") },
                StepOp.Detach => step with { Mdev = RequiredString(item, path, "mdev") },
                StepOp.SetMasks => step with
                {
                    Masks = new ApPermissions(Ids(item, path, "apmask"), Ids(item, path, "aqmask")),
                },
                _ => step with { Mdev = RequiredString(item, path, "mdev"), Id = Id(item, path) },
            };
            Unread(item, path);
            return read;
        }

        Apqn Apqn(JsonElement item, string path)
        {
            var text = RequiredString(item, path, "apqn");
            return ApModel.Apqn.TryParse(text, out var apqn) ? apqn : throw Fault($"{path}.apqn", $"'{text}' is not an APQN like 05.0004");
        }

        /// <summary>A number is taken as its decimal text; a string as written to sysfs.</summary>
        string Id(JsonElement item, string path)
        {
            if (!Field(item, path, "id", out var id)) throw Fault(path, "missing 'id'");
            return id.ValueKind switch
            {
                JsonValueKind.Number => id.GetRawText(),
                JsonValueKind.String => id.GetString()!,
                _ => throw Fault($"{path}.id", "must be a number or a string"),
            };
        }

        int MaxId(JsonElement host, string name)
        {
            if (!Field(host, "$.host", name, out var value)) return 255;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var max) || max is < 0 or > 255)
                throw Fault($"$.host.{name}", "must be a whole number from 0 to 255");
            return max;
        }

        IEnumerable<(JsonElement Element, string Path)> Items(JsonElement root, string name, bool required)
        {
            if (!Field(root, "$", name, out var array))
                return required ? throw Fault("$", $"missing '{name}'") : [];
            Expect(array, $"$.{name}", JsonValueKind.Array);
            return array.EnumerateArray().Select((e, i) => (e, $"$.{name}[{i}]")).ToList();
        }

        Bitmap256 Ids(JsonElement item, string path, string name)
        {
            if (!Field(item, path, name, out _)) throw Fault(path, $"missing '{name}'");
            return OptionalIds(item, path, name);
        }

        Bitmap256 OptionalIds(JsonElement item, string path, string name)
        {
            var text = OptionalString(item, path, name);
            if (text is null) return Bitmap256.Empty;
            return Bitmap256.TryParseRangeList(text, out var ids, out var error) ? ids : throw Fault($"{path}.{name}", error);
        }

        string RequiredString(JsonElement item, string path, string name) =>
            OptionalString(item, path, name) ?? throw Fault(path, $"missing '{name}'");

        string? OptionalString(JsonElement item, string path, string name)
        {
            if (!Field(item, path, name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
            return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Fault($"{path}.{name}", "must be a string");
        }

        JsonElement Required(JsonElement item, string path, string name, JsonValueKind kind)
        {
            if (!Field(item, path, name, out var value)) throw Fault(path, $"missing '{name}'");
            Expect(value, $"{path}.{name}", kind);
            return value;
        }

        void Expect(JsonElement element, string path, JsonValueKind kind)
        {
            if (element.ValueKind != kind) throw Fault(path, $"must be {kind.ToString().ToLowerInvariant()}, not {element.ValueKind.ToString().ToLowerInvariant()}");
        }

        /// <summary>Reads field <paramref name="name"/> of the object at <paramref name="path"/>, noting that the format has it.</summary>
        bool Field(JsonElement item, string path, string name, out JsonElement value)
        {
            _asked.Add($"{path}.{name}");
            return item.TryGetProperty(name, out value);
        }

        /// <summary>Names the fields of the object at <paramref name="path"/>, once read, that nothing asked for.</summary>
        void Unread(JsonElement item, string path) =>
            _ignored.AddRange(item.EnumerateObject().Select(p => $"{path}.{p.Name}").Where(field => !_asked.Contains(field)));

        ScenarioFormatException Fault(string path, string reason) => new(file, path, reason);
    }
}
