using System.Text.Json.Serialization;

namespace Apmatrix.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<RemovalReason>))]
public enum RemovalReason { ConfigRemoved, CardRebuilt, TapqFailed, Unbind, MaskChange }
