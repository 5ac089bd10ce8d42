//! `bedrock models list|get`: the control plane's foundation models.

use bedrock_config::{Service, ServiceClient};
use bedrock_control_types::operation::{GetFoundationModel, ListFoundationModels};
use bedrock_control_types::types::{
    FoundationModelSummary, GetFoundationModelRequest, ListFoundationModelsRequest, ModelModality,
};

use crate::args::{ModelsGetArgs, ModelsListArgs, OutputFormat};
use crate::error::CliError;
use crate::output::outln;
use crate::setup::Session;

pub async fn list(session: &Session, args: &ModelsListArgs, format: OutputFormat) -> Result<(), CliError> {
    let control = ServiceClient::new(&session.config, Service::Bedrock);
    let mut request = ListFoundationModelsRequest::new();
    if let Some(provider) = &args.provider {
        request = request.with_by_provider(provider.clone());
    }
    if let Some(modality) = &args.output_modality {
        request = request.with_by_output_modality(ModelModality::from(modality.to_ascii_uppercase().as_str()));
    }
    let response = control
        .call::<ListFoundationModels>(request)
        .await
        .map_err(|e| CliError::from_sdk(e, "bedrock:ListFoundationModels"))?;
    let mut models: Vec<FoundationModelSummary> = response.model_summaries.unwrap_or_default();
    if let Some(filter) = &args.filter {
        let filter = filter.to_ascii_lowercase();
        models.retain(|m| m.model_id.to_ascii_lowercase().contains(&filter));
    }
    models.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    if format == OutputFormat::Json {
        let json = serde_json::to_string_pretty(&models).map_err(|e| CliError::failure(e.to_string()))?;
        outln!("{json}")?;
        return Ok(());
    }
    let rows: Vec<[String; 4]> = models
        .iter()
        .map(|m| {
            [
                m.model_id.clone(),
                m.provider_name.clone().unwrap_or_default(),
                join(m.output_modalities.as_deref()),
                match m.response_streaming_supported {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    print_table(["MODEL ID", "PROVIDER", "OUTPUT", "STREAMING"], &rows)?;
    Ok(())
}

pub async fn get(session: &Session, args: &ModelsGetArgs, format: OutputFormat) -> Result<(), CliError> {
    let control = ServiceClient::new(&session.config, Service::Bedrock);
    let response = control
        .call::<GetFoundationModel>(GetFoundationModelRequest::new(args.model.clone()))
        .await
        .map_err(|e| CliError::from_sdk(e, "bedrock:GetFoundationModel"))?;
    let details = response
        .model_details
        .ok_or_else(|| CliError::failure("the response has no model details"))?;
    if format == OutputFormat::Json {
        let json = serde_json::to_string_pretty(&details).map_err(|e| CliError::failure(e.to_string()))?;
        outln!("{json}")?;
        return Ok(());
    }
    let rows = [
        ["model id".to_owned(), details.model_id.clone()],
        ["arn".to_owned(), details.model_arn.clone()],
        ["name".to_owned(), details.model_name.clone().unwrap_or_default()],
        ["provider".to_owned(), details.provider_name.clone().unwrap_or_default()],
        ["input".to_owned(), join(details.input_modalities.as_deref())],
        ["output".to_owned(), join(details.output_modalities.as_deref())],
        [
            "streaming".to_owned(),
            details
                .response_streaming_supported
                .map_or("-".to_owned(), |s| s.to_string()),
        ],
    ];
    for [name, value] in rows {
        outln!("{name:<10} {value}")?;
    }
    Ok(())
}

fn join(values: Option<&[ModelModality]>) -> String {
    values
        .unwrap_or_default()
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> Result<(), CliError> {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        outln!("{}", out.trim_end())
    };
    line(header.to_vec())?;
    for row in rows {
        line(row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}
