using System.Text.Json.Serialization;

namespace Apmatrix.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<BoundDriver>))]
public enum BoundDriver { VfioAp, Default }
