using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

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
