// Original file: proto/wgfleet/agent/v1/messages.proto


export interface ReportRequest {
}

export interface ReportRequest__Output {
}
