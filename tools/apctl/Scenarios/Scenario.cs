using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Apctl.Scenarios;

/// <summary>One scenario file: a host, its mdevs and guests, steps, and what every guest must end with.</summary>
public sealed record Scenario(
    string File,
    string Name,
    HotPlugMode Mode,
    ApConfig Host,
    ApPermissions Permissions,
    IReadOnlyList<ScenarioMdev> Mdevs,
    IReadOnlyList<ScenarioStep> Steps,
    IReadOnlyDictionary<string, GuestExpectation> Expect);

public sealed record ScenarioMdev(string Name, Bitmap256 Adapters, Bitmap256 Domains, Bitmap256 ControlDomains, string? Guest);

public enum StepOp
{
    Config, ConfigChanged, Probe, Remove, ScanComplete,
    AssignAdapter, AssignDomain, AssignControlDomain, UnassignAdapter, UnassignDomain, UnassignControlDomain,
    Attach, Detach, SetMasks,
}

/// <summary>One step; only the fields its op uses are set. <see cref="Id"/> is the text as written to sysfs.</summary>
public sealed record ScenarioStep(int Index, StepOp Op, string OpName)
{
    public ApMatrix Config { get; init; }
    public Apqn Apqn { get; init; }
    public string Mdev { get; init; } = "";
    public string Guest { get; init; } = "";
    public string Id { get; init; } = "";
    public ApPermissions Masks { get; init; }
    public MatrixErrorKind? ExpectError { get; init; }

    public override string ToString() => Op switch
    {
        StepOp.Config or StepOp.ConfigChanged => $"{OpName} apm {Config.Apm} aqm {Config.Aqm} adm {Config.Adm}",
        StepOp.Probe or StepOp.Remove => $"{OpName} {Apqn}",
        StepOp.ScanComplete => OpName,
        StepOp.Attach => $"{OpName} {Mdev} {Guest}",
        StepOp.Detach => $"{OpName} {Mdev}",
        StepOp.SetMasks => $"{OpName} apmask {Masks.Apmask} aqmask {Masks.Aqmask}",
        _ => $"{OpName} {Mdev} {Id}",
    };
}

public sealed record GuestExpectation(Bitmap256 Apm, Bitmap256 Aqm, Bitmap256 Adm, long Updates);

/// <summary>What a target ended with: each guest's APCB and update count, each mdev's matrix and guest matrix.</summary>
public sealed record ScenarioOutcome(
    IReadOnlyDictionary<string, GuestOutcome> Guests,
    IReadOnlyDictionary<string, MdevOutcome> Mdevs);

public sealed record GuestOutcome(ApMatrix Apcb, long Updates);

public sealed record MdevOutcome(IReadOnlyList<string> Matrix, IReadOnlyList<string> GuestMatrix);

/// <summary>A scenario file that does not follow the format; names the file, the JSON path and the reason.</summary>
public sealed class ScenarioFormatException(string file, string path, string reason)
    : Exception($"{file}: {path}: {reason}")
{
    public string File { get; } = file;
    public string JsonPath { get; } = path;
    public string Reason { get; } = reason;
}

/// <summary>A target broke a rule of the format itself (not an expectation of the file).</summary>
public sealed class ScenarioViolationException(string message) : Exception(message);
