import ArgumentParser
import FolioEngine
import FolioLLM
import Foundation

/// Options of generated answers (`folio ask --llm URL`): which OpenAI-compatible server, model, key and limits.
struct LLMOptions: ParsableArguments {
    @Option(name: .customLong("llm"), help: ArgumentHelp(
        "Generate the answer with this OpenAI-compatible server (llama-server, Ollama, vLLM, LM Studio), e.g. http://127.0.0.1:8080/v1 (default: $FOLIO_LLM_URL).",
        valueName: "url"))
    var url: String?

    @Option(name: .customLong("llm-model"), help: ArgumentHelp(
        "Model name to request (default: $FOLIO_LLM_MODEL, else the server's first model).", valueName: "name"))
    var model: String?

    @Option(name: .customLong("llm-key-env"), help: ArgumentHelp(
        "Read an API key from this environment variable and send it as a Bearer token.", valueName: "NAME"))
    var keyEnvironmentVariable: String?

    @Option(name: .customLong("llm-timeout"), help: ArgumentHelp(
        "Seconds a request to the server may take, from connecting to the last token.", valueName: "seconds"))
    var timeout: Double = 120

    @Option(name: .customLong("llm-context"), help: ArgumentHelp(
        "The model's context window in tokens; lower-ranked sources are dropped to fit it.", valueName: "tokens"))
    var contextTokens: Int = 4096

    @Flag(name: .customLong("llm-no-stream"), help: "Wait for the whole answer instead of streaming it.")
    var noStream = false

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--llm-timeout must be between 0 and 3600 seconds") }
        guard contextTokens >= 512 && contextTokens <= 1_048_576 else {
            throw ValidationError("--llm-context must be between 512 and 1048576 tokens")
        }
        if let name = keyEnvironmentVariable, name.isEmpty || name.contains("=") {
            throw ValidationError("--llm-key-env takes the name of an environment variable, not the key")
        }
    }

    /// The client for `--llm` (else `$FOLIO_LLM_URL`); nil when neither is set: extractive answers.
    /// - Throws: `FolioLLMError.invalidURL`, or a `ValidationError` when the key variable is unset.
    func client() throws -> ChatClient? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = url ?? environment["FOLIO_LLM_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        var key: String?
        if let name = keyEnvironmentVariable {
            guard let value = environment[name], !value.isEmpty else {
                throw ValidationError("--llm-key-env \(name): the environment variable \(name) is not set")
            }
            key = value
        }
        let model = model ?? environment["FOLIO_LLM_MODEL"].flatMap { $0.isEmpty ? nil : $0 }
        return try ChatClient(baseURL: url, model: model, apiKey: key, timeout: timeout)
    }
}
