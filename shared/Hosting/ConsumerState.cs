namespace Apmatrix.Hosting;

/// <summary>What the broker last said about a receive endpoint's queue.</summary>
public enum ConsumerState
{
    Consuming,
    Missing,
    BrokerUnreachable,
}
