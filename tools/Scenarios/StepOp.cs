namespace Apmatrix.Scenarios;

public enum StepOp
{
    Config, ConfigChanged, Probe, Remove, ScanComplete,
    AssignAdapter, AssignDomain, AssignControlDomain, UnassignAdapter, UnassignDomain, UnassignControlDomain,
    Attach, Detach, SetMasks,
}
