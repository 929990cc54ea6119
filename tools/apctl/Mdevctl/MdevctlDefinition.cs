using System.Text.Json;
using System.Text.Json.Nodes;
using Apmatrix.ApModel;

namespace Apmatrix.Apctl.Mdevctl;

/// <summary>
/// A vfio_ap mdev as mdevctl keeps it (<c>/etc/mdevctl.d/matrix/NAME</c>): its type, whether it starts with the system,
/// and its assignments as sysfs attribute writes in order. Read whole, so every fault of a file is known before anything changes.
/// </summary>
public sealed record MdevctlDefinition(bool AutoStart, ApMatrix Matrix)
{
    public const string MdevType = "vfio_ap-passthrough";

    /// <summary>The attributes mdevctl writes for a vfio_ap mdev, and the mask each one adds to.</summary>
    static readonly string[] Attributes = ["assign_adapter", "assign_domain", "assign_control_domain"];

    /// <summary>Reads mdevctl's JSON for one mdev; every fault goes into <paramref name="faults"/> (null result) at once.</summary>
    public static MdevctlDefinition? Read(string json, List<MdevctlFault> faults)
    {
        JsonNode? root;
        try
        {
            // A name twice would leave which value counts to the reader: refused, as a fault of the file.
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            var (place, why) = Scenarios.JsonSyntax.Describe(e);
            faults.Add(new MdevctlFault(null, null, place is null ? $"not JSON: {why}" : $"not JSON at {place}: {why}"));
            return null;
        }
        if (root is not JsonObject definition)
        {
            faults.Add(new MdevctlFault(null, null, "the file is not a JSON object"));
            return null;
        }
        foreach (var (key, _) in definition)
            if (key is not ("mdev_type" or "start" or "attrs"))
                faults.Add(new MdevctlFault(null, key, $"unknown field {key}: mdevctl's vfio_ap definitions have mdev_type, start and attrs"));
        if (Text(definition["mdev_type"]) is not MdevType)
            faults.Add(new MdevctlFault(null, "mdev_type", $"mdev_type is {Quote(definition, "mdev_type")}, not {MdevType}"));
        // mdevctl refuses a definition without start ("invalid json"), so a file it would not load is refused here too.
        var start = Text(definition["start"]);
        if (start is not ("auto" or "manual"))
            faults.Add(new MdevctlFault(null, "start", $"start is {Quote(definition, "start")}, not auto or manual"));
        var masks = new Bitmap256[Attributes.Length];
        if (definition["attrs"] is { } attrs and not JsonArray)
            faults.Add(new MdevctlFault(null, "attrs", "attrs is not a list"));
        else if (definition["attrs"] is JsonArray list)
            for (var i = 0; i < list.Count; i++)
                ReadAttribute(i, list[i], masks, faults);
        return faults.Count > 0 ? null : new MdevctlDefinition(start == "auto", new ApMatrix(masks[0], masks[1], masks[2]));
    }

    static void ReadAttribute(int index, JsonNode? node, Bitmap256[] masks, List<MdevctlFault> faults)
    {
        if (node is not JsonObject { Count: 1 } attribute)
        {
            faults.Add(new MdevctlFault(index, null, "an attribute is an object of one name and its value, e.g. {\"assign_adapter\": \"5\"}"));
            return;
        }
        var (name, value) = attribute.First();
        var mask = Array.IndexOf(Attributes, name);
        if (mask < 0)
        {
            faults.Add(new MdevctlFault(index, name, $"{name} is not an attribute of a vfio_ap mdev: {string.Join(", ", Attributes)}"));
            return;
        }
        if (Text(value) is not { } text)
        {
            faults.Add(new MdevctlFault(index, name, $"{Quote(value)} is not a string as sysfs reads it"));
            return;
        }
        // Read as the kernel's kstrtoul(buf, 0) would: decimal, 0x hex or 0 octal.
        if (SysfsNumber.TryParse(text, out var id) != SysfsNumberStatus.Ok || id >= Bitmap256.Capacity)
        {
            faults.Add(new MdevctlFault(index, name, $"{Quote(value)} is not a number from 0 to {Bitmap256.Capacity - 1}"));
            return;
        }
        masks[mask] = masks[mask].With((int)id);
    }

    /// <summary>mdevctl's JSON for one mdev: the form <c>mdevctl define --jsonfile</c> reads.</summary>
    public JsonObject ToJson()
    {
        var attrs = new JsonArray();
        foreach (var (name, mask) in Attributes.Zip([Matrix.Apm, Matrix.Aqm, Matrix.Adm]))
            foreach (var id in mask)
                attrs.Add(new JsonObject { [name] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return new JsonObject { ["mdev_type"] = MdevType, ["start"] = AutoStart ? "auto" : "manual", ["attrs"] = attrs };
    }

    /// <summary>The form of <c>mdevctl list --dumpjson</c>: the vfio_ap parent <c>matrix</c>, each mdev keyed by its name.</summary>
    public static JsonArray ListJson(IEnumerable<(string Name, MdevctlDefinition Definition)> mdevs) =>
        [new JsonObject { ["matrix"] = new JsonArray([.. mdevs.Select(m => (JsonNode)new JsonObject { [m.Name] = m.Definition.ToJson() })]) }];

    static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    static string Quote(JsonNode? node) => node?.ToJsonString() ?? "null";

    /// <summary>A field's value as the file has it: <c>null</c> when written so, <c>missing</c> when absent.</summary>
    static string Quote(JsonObject definition, string field) => definition.ContainsKey(field) ? Quote(definition[field]) : "missing";
}

/// <summary>One fault of an mdevctl file: where (attribute index from 0, field) and why.</summary>
public sealed record MdevctlFault(int? Attribute, string? Field, string Reason)
{
    public override string ToString() => (Attribute, Field) switch
    {
        ({ } i, { } f) => $"attrs[{i}] {f}: {Reason}",
        ({ } i, null) => $"attrs[{i}]: {Reason}",
        (null, { } f) => $"{f}: {Reason}",
        _ => Reason,
    };
}
